#include "crypto/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "crypto/note.h"

namespace pbl::crypto {

namespace {

constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr size_t kKeyFileBytesMax = 4096;
constexpr std::string_view kMasterKeyPrefix = "PBL+MASTER+KEY+";

// Wipes a string holding secret material when it goes out of scope.
class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { WipeMemory(s_.data(), s_.size()); }
  std::string& get() { return s_; }

 private:
  std::string s_;
};

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  const int err = errno;
  const std::string message = StrCat(what, " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EEXIST) return absl::AlreadyExistsError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

}  // namespace

absl::StatusOr<std::string> FormatPrivateKey(std::string_view name, const SigningKey& key) {
  PBL_RETURN_IF_ERROR(ValidateKeyName(name));
  SecretString material(std::string(1, static_cast<char>(kSignatureTypeEd25519)));
  material.get().append(key.seed().begin(), key.seed().end());
  return StrCat(kPrivateKeyPrefix, name, "+",
                FormatKeyId(ComputeKeyId(name, kSignatureTypeEd25519, key.public_key())), "+",
                Base64Encode(material.get()));
}

absl::StatusOr<NamedKey> ParsePrivateKey(std::string_view text) {
  if (!text.starts_with(kPrivateKeyPrefix)) {
    return absl::InvalidArgumentError("private key does not start with PRIVATE+KEY+");
  }
  text.remove_prefix(kPrivateKeyPrefix.size());
  PBL_ASSIGN_OR_RETURN(KeyStringParts parts, SplitKeyString(text, "private key"));
  SecretString material(std::move(parts.material));
  if (material.get().size() != 1 + kEd25519SeedBytes ||
      material.get()[0] != static_cast<char>(kSignatureTypeEd25519)) {
    return absl::InvalidArgumentError("private key: not an Ed25519 (type 0x01) 32-byte seed");
  }
  PBL_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromSeed(AsBytes(material.get()).subspan(1)));
  if (ComputeKeyId(parts.name, kSignatureTypeEd25519, key.public_key()) != parts.key_id) {
    return absl::InvalidArgumentError("private key: key ID does not match the key");
  }
  return NamedKey{std::move(parts.name), std::move(key)};
}

namespace {

// Creates `path` with mode 0600 and `text` in it, synced; ALREADY_EXISTS if it exists.
absl::Status WriteNewSecretFile(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot create key file", path);
  // The umask can only remove bits from 0600; fchmod makes the mode exact anyway.
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  absl::Status status = ok ? absl::OkStatus() : ErrnoError("cannot write key file", path);
  ::close(fd);
  if (!ok) ::unlink(path.c_str());
  return status;
}

}  // namespace

absl::Status WriteKeyFile(const std::string& path, std::string_view name, const SigningKey& key) {
  PBL_ASSIGN_OR_RETURN(std::string formatted, FormatPrivateKey(name, key));
  SecretString text(std::move(formatted));
  text.get().push_back('\n');
  return WriteNewSecretFile(path, text.get());
}

namespace {

// Reads `path` into `out` (at most `max_bytes`), refusing a file that is not regular or that
// group or others may read. `what` names the file in messages ("key file", "TLS key").
absl::Status ReadOwnerOnly(const std::string& path, std::string_view what, size_t max_bytes,
                           std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(StrCat("cannot open ", what), path);
  struct stat st;
  absl::Status status;
  if (::fstat(fd, &st) != 0) {
    status = ErrnoError(StrCat("cannot stat ", what), path);
  } else if (!S_ISREG(st.st_mode)) {
    status = absl::InvalidArgumentError(StrCat(what, " ", path, " is not a regular file"));
  } else if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    status = absl::FailedPreconditionError(
        StrCat(what, " ", path, " has mode ", mode,
               ": group or others may read it, so it is refused; run `chmod 600 ", path,
               "` if no one else can have read it, else make a new key"));
  }
  if (status.ok()) {
    out->resize(max_bytes + 1);
    size_t got = 0;
    while (got < out->size()) {
      const ssize_t n = ::read(fd, out->data() + got, out->size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = ErrnoError(StrCat("cannot read ", what), path);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (status.ok() && got > max_bytes) {
      status = absl::InvalidArgumentError(StrCat(what, " ", path, " is too large"));
    }
    out->resize(got);
  }
  ::close(fd);
  return status;
}

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view what,
                                           size_t max_bytes) {
  std::string text;
  absl::Status status = ReadOwnerOnly(path, what, max_bytes, &text);
  if (!status.ok()) {
    WipeMemory(text.data(), text.size());
    return status;
  }
  return text;
}

absl::StatusOr<NamedKey> ReadKeyFile(const std::string& path) {
  SecretString text;
  PBL_RETURN_IF_ERROR(ReadOwnerOnly(path, "key file", kKeyFileBytesMax, &text.get()));
  std::string_view content = text.get();
  if (content.ends_with('\n')) content.remove_suffix(1);
  absl::StatusOr<NamedKey> key = ParsePrivateKey(content);
  if (!key.ok()) {
    return absl::InvalidArgumentError(StrCat("key file ", path, ": ", key.status().message()));
  }
  return key;
}

absl::Status WriteMasterKeyFile(const std::string& path, const SecretKey& key) {
  SecretString text(StrCat(kMasterKeyPrefix, Base64Encode(key.bytes()), "\n"));
  return WriteNewSecretFile(path, text.get());
}

absl::StatusOr<SecretKey> ReadMasterKeyFile(const std::string& path) {
  SecretString text;
  PBL_RETURN_IF_ERROR(ReadOwnerOnly(path, "master key file", kKeyFileBytesMax, &text.get()));
  std::string_view content = text.get();
  if (content.ends_with('\n')) content.remove_suffix(1);
  const auto malformed = [&] {
    return absl::InvalidArgumentError(StrCat("master key file ", path, ": not one line ",
                                             kMasterKeyPrefix, "<base64 of 32 bytes>"));
  };
  if (!content.starts_with(kMasterKeyPrefix)) return malformed();
  absl::StatusOr<std::string> decoded = Base64Decode(content.substr(kMasterKeyPrefix.size()));
  if (!decoded.ok() || decoded->size() != kSecretKeyBytes) return malformed();
  SecretString bytes(std::move(*decoded));
  return SecretKey::FromBytes(AsBytes(bytes.get()));
}

}  // namespace pbl::crypto
