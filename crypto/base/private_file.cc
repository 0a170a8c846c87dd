#include "crypto/base/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/base/strings.h"

namespace pbl {

namespace {

absl::Status Failed(std::string_view what, const std::string& path, int error) {
  return absl::UnavailableError(StrCat("cannot ", what, " ", path, ": ", std::strerror(error)));
}

std::string FolderOf(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Failed("open", dir, errno);
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  return synced == 0 ? absl::OkStatus() : Failed("sync", dir, error);
}

absl::Status WritePrivateFile(const std::string& path, std::string_view data) {
  std::string temp = path + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());  // O_CREAT | O_EXCL, mode 0600
  if (fd < 0) return Failed("create a file beside", path, errno);
  int error = 0;
  size_t written = 0;
  while (error == 0 && written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
    } else {
      written += static_cast<size_t>(n);
    }
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return Failed("write", path, error);
  }
  return SyncDirectory(FolderOf(path));
}

absl::Status MakePrivateDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(StrCat("cannot create ", dir, ": ", ec.message()));
  if (::chmod(dir.c_str(), 0700) != 0) return Failed("make private", dir, errno);
  return absl::OkStatus();
}

}  // namespace pbl
