#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) { return pbl::cli::RunPbl(argc, argv, std::cout, std::cerr); }
