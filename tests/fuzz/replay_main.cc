// The main() of the <target>_replay programs: runs a fuzz target's LLVMFuzzerTestOneInput once
// over every file of the directories given, without libFuzzer, so that the normal gcc builds
// (ci, asan) replay each seed corpus and every saved crash as a regression test:
//   <target>_replay DIR...
// A property that fails traps (PBL_FUZZ_CHECK), which fails the test; the file being run is
// printed first, so the log names it. Files whose names start with '.' or "README" are skipped.
// Exits 1 if a directory cannot be read or holds no input at all (a wrong path would otherwise
// pass by testing nothing).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool IsInput(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return !name.starts_with(".") && !name.starts_with("README");
}

// The input files of `dir` in name order, so that a run is reproducible; false on an error.
bool ListInputs(const std::filesystem::path& dir, std::vector<std::filesystem::path>* inputs) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error) && IsInput(it->path())) inputs->push_back(it->path());
  }
  if (error) {
    std::fprintf(stderr, "replay: cannot list %s: %s\n", dir.c_str(), error.message().c_str());
    return false;
  }
  return true;
}

bool Replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  // libFuzzer never passes a null pointer, even for an empty input.
  const uint8_t empty = 0;
  LLVMFuzzerTestOneInput(bytes.empty() ? &empty : reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR...\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!ListInputs(argv[i], &inputs)) return 1;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const std::filesystem::path& path : inputs) {
    if (!Replay(path)) return 1;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs in the directories given\n");
    return 1;
  }
  std::fprintf(stderr, "replay: %zu inputs, every property held\n", inputs.size());
  return 0;
}
