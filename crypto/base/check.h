// PBL_CHECK: an invariant that holds in every build, Release included (unlike assert, which
// NDEBUG turns off). A failed check is a bug in this program, never bad input: it prints the
// file, line, condition and message to stderr and aborts, so a node stops before it writes
// anything that breaks an invariant. Bad input is refused with an absl::Status instead.
//
//   PBL_CHECK(size >= old_size, "the head moved back");
#ifndef PBL_CRYPTO_BASE_CHECK_H_
#define PBL_CRYPTO_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace pbl::check_internal {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              const char* message) {
  std::fprintf(stderr, "%s:%d: check failed: %s: %s\n", file, line, condition, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace pbl::check_internal

#define PBL_CHECK(condition, message)                                       \
  do {                                                                      \
    if (!(condition)) [[unlikely]] {                                        \
      ::pbl::check_internal::Fail(__FILE__, __LINE__, #condition, message); \
    }                                                                       \
  } while (false)

#endif  // PBL_CRYPTO_BASE_CHECK_H_
