// Assertions for the libFuzzer targets in this folder.
//
// A fuzz target must stop loudly when a property fails, so that libFuzzer saves the input as a
// crash artifact. PBL_FUZZ_CHECK prints which property failed (the trap alone would only give a
// stack) and then traps. It is always on, unlike assert(), whose NDEBUG the RelWithDebInfo
// fuzz build defines.
#ifndef PBL_TESTS_FUZZ_FUZZ_CHECK_H_
#define PBL_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <string_view>

#define PBL_FUZZ_CHECK(condition, what)                                                   \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                           \
      __builtin_trap();                                                                   \
    }                                                                                     \
  } while (false)

namespace pbl::fuzz {

// True when `message` starts with "FILE:LINE: ", LINE in 1..max_line without a leading zero: the
// form every error of the TOML readers (rules, node config) must take.
inline bool NamesFileLine(std::string_view message, std::string_view file, int64_t max_line) {
  if (!message.starts_with(file) || message.substr(file.size(), 1) != ":") return false;
  message.remove_prefix(file.size() + 1);
  int64_t line = 0;
  size_t digits = 0;
  while (digits < message.size() && digits < 10 && message[digits] >= '0' &&
         message[digits] <= '9') {
    line = line * 10 + (message[digits] - '0');
    ++digits;
  }
  return digits > 0 && message[0] != '0' && line <= max_line && message.substr(digits, 2) == ": ";
}

}  // namespace pbl::fuzz

#endif  // PBL_TESTS_FUZZ_FUZZ_CHECK_H_
