#include "rpc/node.h"

int main(int argc, char** argv) { return pbl::rpc::PbldMain(argc, argv); }
