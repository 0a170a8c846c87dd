// A throw-away public key infrastructure for tests that run nodes over mutual TLS: a test CA,
// node certificates (each node serves with its certificate and presents the same one as a client
// to its peers) and client certificates (administrators, auditors, workers), all made by the
// `openssl` command-line tool (OpenSSL 3.0) in a directory the test owns. A second, unrelated
// "rogue" CA signs certificates that a node must refuse.
//
// Keys are ECDSA P-256 (PKCS#8 PEM, mode 0600), certificates are PEM, valid from a few minutes ago
// for one day. Not thread-safe for the same directory; different directories are independent.
#ifndef PBL_TESTS_TESTING_TLS_CERTS_H_
#define PBL_TESTS_TESTING_TLS_CERTS_H_

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/certificate_key.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {

// The files of one CA and the certificates it signed, all in `dir`.
struct TestPki {
  std::string dir;      // absolute
  std::string ca_cert;  // <dir>/ca.crt (or <dir>/rogue-ca.crt for MakeRogueClient)

  std::string Cert(const std::string& name) const { return dir + "/" + name + ".crt"; }
  std::string Key(const std::string& name) const { return dir + "/" + name + ".key"; }
};

inline constexpr std::string_view kTestCaName = "ca";
inline constexpr std::string_view kRogueCaName = "rogue-ca";
inline constexpr size_t kTestCertNameBytesMax = 64;  // the X.509 upper bound of a common name
inline constexpr std::chrono::minutes kTestCertBackdate{5};
inline constexpr std::chrono::hours kTestCertLifetime{24};

// The key id ("sha256:...", crypto/certificate_key.h) of the PEM certificate file at `path`, as a
// node's configuration pins it; NOT_FOUND if it cannot be read.
inline absl::StatusOr<std::string> CertificateKeyOfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read certificate " + path);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return crypto::CertificateKeyId(pem);
}

// The absolute path of the program `name` found on $PATH, or "" if there is none.
inline std::string FindProgramOnPath(std::string_view name) {
  const char* path_env = std::getenv("PATH");
  std::string_view rest = path_env == nullptr ? "/usr/local/bin:/usr/bin:/bin" : path_env;
  while (true) {
    const size_t colon = rest.find(':');
    const std::string_view folder = rest.substr(0, colon);
    if (!folder.empty()) {
      const std::string candidate = std::string(folder) + "/" + std::string(name);
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        return std::filesystem::absolute(candidate).string();
      }
    }
    if (colon == std::string_view::npos) return "";
    rest.remove_prefix(colon + 1);
  }
}

namespace tls_certs_internal {

// A certificate name is also a file name and a `-subj /CN=...` value: keep it plain.
inline absl::Status CheckCertName(const std::string& name) {
  bool plain = !name.empty() && name.size() <= kTestCertNameBytesMax && name.front() != '-';
  for (const char c : name) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!plain) {
    return absl::InvalidArgumentError("certificate name '" + name +
                                      "' must be 1-64 of [a-z0-9-], not starting with '-'");
  }
  if (name == kTestCaName || name == kRogueCaName) {
    return absl::InvalidArgumentError("certificate name '" + name + "' is reserved for a CA");
  }
  return absl::OkStatus();
}

// `when` as the GeneralizedTime that `openssl ca -startdate/-enddate` takes.
inline std::string OpensslTime(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  const size_t size = std::strftime(text, sizeof(text), "%Y%m%d%H%M%SZ", &utc);
  return std::string(text, size);
}

inline absl::Status WriteTextFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

// The sections of the `openssl ca` configuration that are the same for every CA: the signing
// policy and the extensions of the CA (ca_ext), node (node_ext) and client (client_ext)
// certificates.
inline constexpr std::string_view kCaConfigSections = R"(default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
rand_serial = yes
copy_extensions = none
[policy_any]
commonName = supplied
[req]
distinguished_name = req_dn
[req_dn]
[ca_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[node_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

// The `openssl ca` configuration of CA `ca_name`. Paths are relative: openssl runs in the PKI
// directory, so the directory's name never passes through openssl's `$variable` expansion.
inline std::string CaConfigText(std::string_view ca_name) {
  const std::string work = std::string(ca_name) + "-work";
  return "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + work +
         "/index.txt\nnew_certs_dir = " + work + "/issued\n" + std::string(kCaConfigSections);
}

// Runs `openssl args...` in `dir`; INTERNAL with openssl's stderr if it fails.
inline absl::Status RunOpenssl(const std::string& openssl, const std::string& dir,
                               const std::vector<std::string>& args) {
  std::vector<std::string> argv = {openssl};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult result = RunProgram(argv, dir);
  if (result.exit_code == 0) return absl::OkStatus();
  std::string command = "openssl";
  for (const std::string& arg : args) command += " " + arg;
  return absl::InternalError(command + " (in " + dir + ") failed with exit code " +
                             std::to_string(result.exit_code) + ": " + result.err);
}

// Creates <dir>/<name>.key (0600) and a certificate request for CN=`subject` in the CA's work
// folder; returns the request's path relative to `dir`.
inline absl::StatusOr<std::string> MakeKeyAndRequest(const std::string& openssl,
                                                     const std::string& dir,
                                                     std::string_view ca_name,
                                                     const std::string& name,
                                                     const std::string& subject) {
  const std::string ca = std::string(ca_name);
  const std::string key = name + ".key";
  absl::Status status = RunOpenssl(
      openssl, dir,
      {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key});
  if (!status.ok()) return status;
  std::error_code error;
  std::filesystem::permissions(
      dir + "/" + key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace, error);
  if (error) return absl::InternalError("cannot chmod 0600 " + key + ": " + error.message());
  const std::string request = ca + "-work/" + name + ".csr";
  status = RunOpenssl(openssl, dir,
                      {"req", "-new", "-config", ca + "-work/openssl.cnf", "-key", key, "-subj",
                       "/CN=" + subject, "-out", request});
  if (!status.ok()) return status;
  return request;
}

// Signs <dir>/<name>.crt (CN=`subject`, or `name` when empty) with CA `ca_name` using the
// extension section `extensions`.
inline absl::Status IssueCert(const std::string& openssl, const std::string& dir,
                              std::string_view ca_name, const std::string& name,
                              const std::string& extensions, const std::string& subject = "") {
  const std::string ca = std::string(ca_name);
  absl::StatusOr<std::string> request =
      MakeKeyAndRequest(openssl, dir, ca_name, name, subject.empty() ? name : subject);
  if (!request.ok()) return request.status();
  const auto now = std::chrono::system_clock::now();
  return RunOpenssl(openssl, dir,
                    {"ca", "-batch", "-notext", "-config", ca + "-work/openssl.cnf", "-cert",
                     ca + ".crt", "-keyfile", ca + ".key", "-in", *request, "-out", name + ".crt",
                     "-extensions", extensions, "-startdate", OpensslTime(now - kTestCertBackdate),
                     "-enddate", OpensslTime(now + kTestCertLifetime)});
}

// Creates the self-signed CA <dir>/<ca_name>.crt and .key with its `openssl ca` work folder.
inline absl::Status MakeCa(const std::string& openssl, const std::string& dir,
                           std::string_view ca_name, const std::string& subject) {
  const std::string ca = std::string(ca_name);
  std::error_code error;
  std::filesystem::create_directories(dir + "/" + ca + "-work/issued", error);
  if (error) return absl::InternalError("cannot create " + dir + ": " + error.message());
  absl::Status status = WriteTextFile(dir + "/" + ca + "-work/openssl.cnf", CaConfigText(ca));
  if (status.ok()) status = WriteTextFile(dir + "/" + ca + "-work/index.txt", "");
  if (!status.ok()) return status;
  absl::StatusOr<std::string> request = MakeKeyAndRequest(openssl, dir, ca, ca, subject);
  if (!request.ok()) return request.status();
  const auto now = std::chrono::system_clock::now();
  return RunOpenssl(
      openssl, dir,
      {"ca", "-batch", "-notext", "-selfsign", "-config", ca + "-work/openssl.cnf", "-keyfile",
       ca + ".key", "-in", *request, "-out", ca + ".crt", "-extensions", "ca_ext", "-startdate",
       OpensslTime(now - kTestCertBackdate), "-enddate", OpensslTime(now + kTestCertLifetime)});
}

inline absl::StatusOr<std::string> PrepareDir(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("PKI directory is empty");
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, error);
  if (!error) std::filesystem::create_directories(absolute, error);
  if (error) return absl::InternalError("cannot create " + dir + ": " + error.message());
  return absolute.lexically_normal().string();
}

inline absl::StatusOr<std::string> FindOpenssl() {
  std::string openssl = FindProgramOnPath("openssl");
  if (openssl.empty()) return absl::NotFoundError("the openssl program is not on PATH");
  return openssl;
}

}  // namespace tls_certs_internal

// Creates in `dir` (made if missing): the CA ca.crt/ca.key (CN "PBL Test CA"); for each server
// name a certificate with CN=name, subjectAltName IP:127.0.0.1 and DNS:localhost and extended key
// usage serverAuth and clientAuth; for each client name a certificate with CN=name and extended
// key usage clientAuth. Names are 1-64 of [a-z0-9-], unique, and neither "ca" nor "rogue-ca".
// INVALID_ARGUMENT for a bad or repeated name, NOT_FOUND if openssl is not on PATH, INTERNAL
// with openssl's stderr if it fails.
inline absl::StatusOr<TestPki> MakeTestPki(const std::string& dir,
                                           const std::vector<std::string>& server_names,
                                           const std::vector<std::string>& client_names) {
  std::set<std::string> seen;
  for (const auto* names : {&server_names, &client_names}) {
    for (const std::string& name : *names) {
      if (absl::Status status = tls_certs_internal::CheckCertName(name); !status.ok()) {
        return status;
      }
      if (!seen.insert(name).second) {
        return absl::InvalidArgumentError("certificate name '" + name + "' is repeated");
      }
    }
  }
  absl::StatusOr<std::string> openssl = tls_certs_internal::FindOpenssl();
  if (!openssl.ok()) return openssl.status();
  absl::StatusOr<std::string> absolute = tls_certs_internal::PrepareDir(dir);
  if (!absolute.ok()) return absolute.status();
  absl::Status status = tls_certs_internal::MakeCa(*openssl, *absolute, kTestCaName, "PBL Test CA");
  for (const std::string& name : server_names) {
    if (status.ok()) {
      status = tls_certs_internal::IssueCert(*openssl, *absolute, kTestCaName, name, "node_ext");
    }
  }
  for (const std::string& name : client_names) {
    if (status.ok()) {
      status = tls_certs_internal::IssueCert(*openssl, *absolute, kTestCaName, name, "client_ext");
    }
  }
  if (!status.ok()) return status;
  return TestPki{*absolute, *absolute + "/" + std::string(kTestCaName) + ".crt"};
}

// Creates in `dir` a second CA, rogue-ca.crt/rogue-ca.key (CN "PBL Rogue CA", unrelated to the
// one of MakeTestPki), if it is not there yet, and a client certificate <dir>/<name>.crt/.key
// with CN=name signed by it: a well-formed certificate that nodes must refuse. The result's
// ca_cert is the rogue CA. Errors as MakeTestPki; ALREADY_EXISTS if <name>.crt exists.
inline absl::StatusOr<TestPki> MakeRogueClient(const std::string& dir, const std::string& name) {
  if (absl::Status status = tls_certs_internal::CheckCertName(name); !status.ok()) return status;
  absl::StatusOr<std::string> openssl = tls_certs_internal::FindOpenssl();
  if (!openssl.ok()) return openssl.status();
  absl::StatusOr<std::string> absolute = tls_certs_internal::PrepareDir(dir);
  if (!absolute.ok()) return absolute.status();
  const TestPki rogue{*absolute, *absolute + "/" + std::string(kRogueCaName) + ".crt"};
  std::error_code error;
  if (std::filesystem::exists(rogue.Cert(name), error)) {
    return absl::AlreadyExistsError(rogue.Cert(name) + " already exists");
  }
  absl::Status status;
  if (!std::filesystem::exists(rogue.ca_cert, error)) {
    status = tls_certs_internal::MakeCa(*openssl, *absolute, kRogueCaName, "PBL Rogue CA");
  }
  if (status.ok()) {
    status = tls_certs_internal::IssueCert(*openssl, *absolute, kRogueCaName, name, "client_ext");
  }
  if (!status.ok()) return status;
  return rogue;
}

// A certificate of `pki`'s own CA, <dir>/<name>.crt and .key, with a fresh key and the names of
// `lookalike` (CN, and for a server the same subjectAltName): what anyone the CA serves could
// obtain, and a node must not take for `lookalike`. Errors as MakeTestPki.
inline absl::StatusOr<TestPki> MakeLookalike(const TestPki& pki, const std::string& name,
                                             const std::string& lookalike, bool server) {
  if (absl::Status status = tls_certs_internal::CheckCertName(name); !status.ok()) return status;
  absl::StatusOr<std::string> openssl = tls_certs_internal::FindOpenssl();
  if (!openssl.ok()) return openssl.status();
  absl::Status status = tls_certs_internal::IssueCert(
      *openssl, pki.dir, kTestCaName, name, server ? "node_ext" : "client_ext", lookalike);
  if (!status.ok()) return status;
  return pki;
}

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_TLS_CERTS_H_
