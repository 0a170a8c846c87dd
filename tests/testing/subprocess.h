// Runs a program as a child process and captures what it prints, for tests that drive the real
// binaries. Output goes through temporary files, so large output cannot deadlock a pipe.
#ifndef PBL_TESTS_TESTING_SUBPROCESS_H_
#define PBL_TESTS_TESTING_SUBPROCESS_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace pbl::testing {

struct RunResult {
  int exit_code = -1;  // -1 when the child did not exit normally
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs argv[0] (a path) with the arguments, in `cwd` when it is not empty, with stdin closed.
inline RunResult RunProgram(const std::vector<std::string>& argv, const std::string& cwd = "") {
  char out_path[] = "/tmp/pbl_test_out_XXXXXX";
  char err_path[] = "/tmp/pbl_test_err_XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  const int err_fd = ::mkstemp(err_path);
  RunResult result;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out_fd);
  ::close(err_fd);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  return result;
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_SUBPROCESS_H_
