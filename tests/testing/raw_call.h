// Calls to a node with request bytes the test makes itself (not through the generated stubs):
// what a hostile client sends, at sizes that building a message object would make costly in
// the test, and a node's memory measured from outside it. For the hostile-peer suite and the
// flood benchmark.
#ifndef PBL_TESTS_TESTING_RAW_CALL_H_
#define PBL_TESTS_TESTING_RAW_CALL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <memory>
#include <string>

namespace pbl::testing {

// One unary call of `method` ("/pbl.v1.LedgerService/AppendEntries") with `request` as its
// serialized message; the call's status. Blocks up to `timeout`.
inline grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& method, const std::string& request,
                                 std::chrono::milliseconds timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  const grpc::Slice slice(request);
  const grpc::ByteBuffer buffer(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &buffer, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

// An AppendEntriesRequest of `bytes` bytes (rounded down to even) made of empty entries
// (field 1, length 0: two bytes each): the message that took pbld from 35 MB to 2.2 GB before it
// looked at who sent it.
inline std::string EmptyEntriesRequest(size_t bytes) {
  std::string out;
  out.reserve(bytes);
  for (size_t i = 0; i + 1 < bytes; i += 2) out.append("\x0a\x00", 2);
  return out;
}

// A process's resident set (VmRSS) or its peak since start (VmHWM) in KiB, from /proc; -1 if
// the process or the line is not there.
inline int64_t ProcessMemoryKib(pid_t pid, const std::string& field = "VmHWM") {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_RAW_CALL_H_
