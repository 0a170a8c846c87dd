// Runs real `pbld` processes in tests: picks loopback ports, writes a node's TOML configuration
// (rpc/config.h) and signing key file from a NodeSpec, and starts, stops, kills and restarts the
// daemon as a child process whose output goes to a log file in the node's folder. A node with a
// fault plan (tests/testing/fault_plan.h) is run as the test daemon pbld_faulty, every other as
// pbld (NodeCommand).
//
// The harness does not make keys or certificates: the caller makes the signing key (for example
// crypto::SigningKey::Generate with crypto::FormatPrivateKey and crypto::FormatVerifierKey) and
// the certificates (tests/testing/tls_certs.h), so this header needs no project library.
//
// A NodeProcess belongs to one thread. Its child gets SIGKILL when the thread that started it
// exits, so a test binary that crashes or is killed leaves no daemon behind.
#ifndef PBL_TESTS_TESTING_NODE_HARNESS_H_
#define PBL_TESTS_TESTING_NODE_HARNESS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/key_file.h"
#include "tests/testing/fault_plan.h"
#include "tests/testing/tls_certs.h"

namespace pbl::testing {

inline constexpr std::chrono::milliseconds kNodeStartTimeout{20'000};
inline constexpr std::chrono::milliseconds kNodeStopGrace{10'000};
inline constexpr std::chrono::milliseconds kNodePollInterval{20};
inline constexpr int kNodeLogTailLines = 40;
inline constexpr size_t kNodeLogTailBytesMax = 64 << 10;
inline constexpr std::string_view kLoopbackHost = "127.0.0.1";

// ---------------------------------------------------------------------------------------------
// Ports.

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close), or -1 if
// no socket could be bound. Another process may take it before the node binds it.
inline int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  int port = -1;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// True if something accepts TCP connections on 127.0.0.1:`port` now.
// GET http://127.0.0.1:port/path, the whole response.
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (::write(fd, request.data(), request.size()) < 0) return "";
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) {
    response.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return response;
}

inline bool LoopbackPortAcceptsConnections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  int result = 0;
  do {
    result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  } while (result != 0 && errno == EINTR);
  ::close(fd);
  return result == 0;
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

struct TlsFiles {
  std::string cert;       // [tls] cert: served, and presented as a client to peers
  std::string key;        // [tls] key
  std::string client_ca;  // [tls] client_ca
};

// The files of server certificate `name` of `pki`.
inline TlsFiles NodeTlsFiles(const TestPki& pki, const std::string& name) {
  return TlsFiles{pki.Cert(name), pki.Key(name), pki.ca_cert};
}

// [limits]; a key is written only when set.
struct LimitsSpec {
  std::optional<int32_t> max_batch_entries;
  std::optional<int32_t> max_message_bytes;
  std::optional<int32_t> transfer_deadline_seconds;
  std::optional<int32_t> worker_token_max_seconds;
  std::optional<int32_t> open_transfers_per_peer_max;
};

// One [access] identity: its name and its certificate key ("sha256:..."); a key left empty is not
// written (a plaintext node, or a test of a missing key).
struct AccessEntry {
  std::string name;
  std::string certificate_key;
};

// [access]
struct AccessLists {
  std::vector<AccessEntry> administrators;
  std::vector<AccessEntry> auditors;
};

// One node as a test sees it. The same spec describes the node to itself (its config file) and
// to its peers (their [[peer]] entries).
struct NodeSpec {
  std::string id;                    // [node] id
  std::vector<std::string> schemes;  // [node] schemes, and the peer's schemes
  int port = 0;                      // listens on 127.0.0.1:port (1-65535)
  int worker_port = 0;               // [node] worker_listen on 127.0.0.1; 0: none
  std::string dir;           // the node's folder: config, key, data and log (made if missing)
  std::string origin;        // [node] origin; the signing key's name must equal it
  std::string signing_key;   // the PRIVATE+KEY+... line; empty: no key file is written
  std::string verifier_key;  // its verifier key, written into its peers' [[peer]] entries
  std::string identity;      // its name as peers know it; empty: `id`
  // The key its peers pin ([[peer]] certificate_key); empty: that of tls->cert, none without tls.
  std::string certificate_key;
  std::optional<TlsFiles> tls;  // absent: [node] dev_plaintext = true
  int metrics_port = 0;         // [node] metrics_listen on 127.0.0.1; 0: none
  std::string rules_dir;        // [node] rules_dir; empty: not written
  // [node] master_key = MasterKeyPath(), a log in format v2; WriteNodeConfig makes the key file
  // once (a new random key) and keeps it on later writes.
  bool sealed = false;
  LimitsSpec limits;

  std::string Address() const { return std::string(kLoopbackHost) + ":" + std::to_string(port); }
  std::string WorkerAddress() const {
    return std::string(kLoopbackHost) + ":" + std::to_string(worker_port);
  }
  std::string Identity() const { return identity.empty() ? id : identity; }
  std::string ConfigPath() const { return dir + "/pbld.toml"; }
  std::string SigningKeyPath() const { return dir + "/signing.key"; }
  std::string MasterKeyPath() const { return dir + "/master.key"; }  // outside DataDir()
  std::string DataDir() const { return dir + "/data"; }
  std::string LogPath() const { return dir + "/pbld.log"; }
  // Written by WriteNodeConfig when the node has a fault plan (run by pbld_faulty).
  std::string FaultPlanPath() const { return dir + "/fault_plan.toml"; }
};

// The log origin a test gives node `id`, and so the name of its signing key.
inline std::string TestOrigin(std::string_view id) { return "pbl.test/node/" + std::string(id); }

// Every spec in `nodes` but the one whose id is `id`: that node's peers in a full mesh.
inline std::vector<NodeSpec> PeersOf(const std::vector<NodeSpec>& nodes, std::string_view id) {
  std::vector<NodeSpec> peers;
  for (const NodeSpec& node : nodes) {
    if (node.id != id) peers.push_back(node);
  }
  return peers;
}

namespace node_harness_internal {

// A TOML basic string.
inline std::string TomlString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline std::string TomlStrings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += TomlString(items[i]);
  }
  return out + "]";
}

inline bool IsPort(int port) { return port >= 1 && port <= 65535; }

inline std::string NodeTable(const NodeSpec& node) {
  std::string out = "[node]\n";
  out += "id = " + TomlString(node.id) + "\n";
  out += "origin = " + TomlString(node.origin) + "\n";
  out += "schemes = " + TomlStrings(node.schemes) + "\n";
  out += "data_dir = " + TomlString(node.DataDir()) + "\n";
  out += "listen = " + TomlString(node.Address()) + "\n";
  if (node.worker_port != 0) out += "worker_listen = " + TomlString(node.WorkerAddress()) + "\n";
  out += "signing_key = " + TomlString(node.SigningKeyPath()) + "\n";
  if (node.metrics_port != 0) {
    const std::string metrics =
        std::string(kLoopbackHost) + ":" + std::to_string(node.metrics_port);
    out += "metrics_listen = " + TomlString(metrics) + "\n";
  }
  if (!node.rules_dir.empty()) out += "rules_dir = " + TomlString(node.rules_dir) + "\n";
  if (node.sealed) out += "master_key = " + TomlString(node.MasterKeyPath()) + "\n";
  if (!node.tls.has_value()) {
    out += "dev_plaintext = true\n";
    return out;
  }
  out += "\n[tls]\n";
  out += "cert = " + TomlString(node.tls->cert) + "\n";
  out += "key = " + TomlString(node.tls->key) + "\n";
  out += "client_ca = " + TomlString(node.tls->client_ca) + "\n";
  return out;
}

// `certificate_key` is written when not empty.
inline std::string PeerTable(const NodeSpec& peer, const std::string& certificate_key) {
  std::string out = "\n[[peer]]\n";
  out += "id = " + TomlString(peer.id) + "\n";
  out += "address = " + TomlString(peer.Address()) + "\n";
  out += "verifier_key = " + TomlString(peer.verifier_key) + "\n";
  out += "identity = " + TomlString(peer.Identity()) + "\n";
  if (!certificate_key.empty()) out += "certificate_key = " + TomlString(certificate_key) + "\n";
  out += "schemes = " + TomlStrings(peer.schemes) + "\n";
  return out;
}

inline std::string AccessList(const std::vector<AccessEntry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    out += i > 0 ? ", " : "";
    out += "{ name = " + TomlString(entries[i].name);
    if (!entries[i].certificate_key.empty()) {
      out += ", certificate_key = " + TomlString(entries[i].certificate_key);
    }
    out += " }";
  }
  return out + "]";
}

inline std::string LimitsTable(const LimitsSpec& limits) {
  std::string out;
  const auto add = [&out](std::string_view key, const std::optional<int32_t>& value) {
    if (value.has_value()) out += std::string(key) + " = " + std::to_string(*value) + "\n";
  };
  add("max_batch_entries", limits.max_batch_entries);
  add("max_message_bytes", limits.max_message_bytes);
  add("transfer_deadline_seconds", limits.transfer_deadline_seconds);
  add("worker_token_max_seconds", limits.worker_token_max_seconds);
  add("open_transfers_per_peer_max", limits.open_transfers_per_peer_max);
  return out.empty() ? out : "\n[limits]\n" + out;
}

// Writes `text` to a new or truncated file whose mode is exactly `mode`.
inline absl::Status WriteFileWithMode(const std::string& path, std::string_view text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return absl::InternalError("cannot create " + path);
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

}  // namespace node_harness_internal

// The pbld TOML configuration of `node` with `peers` as its [[peer]] entries. Paths are the
// absolute ones of NodeSpec (dir must be absolute). Only what the harness itself needs is checked,
// so tests can write values pbld must refuse: INVALID_ARGUMENT if dir is not absolute or a port
// is out of 1-65535. A fault plan is no part of it (WriteNodeConfig writes its own file).
inline absl::StatusOr<std::string> FormatNodeConfig(const NodeSpec& node,
                                                    const std::vector<NodeSpec>& peers,
                                                    const AccessLists& access) {
  namespace internal = node_harness_internal;
  if (node.dir.empty() || node.dir.front() != '/') {
    return absl::InvalidArgumentError("node '" + node.id + "': dir '" + node.dir +
                                      "' is not an absolute path");
  }
  if (!internal::IsPort(node.port)) {
    return absl::InvalidArgumentError("node '" + node.id + "': port " + std::to_string(node.port) +
                                      " is not in 1-65535");
  }
  for (const NodeSpec& peer : peers) {
    if (!internal::IsPort(peer.port)) {
      return absl::InvalidArgumentError("peer '" + peer.id + "': port " +
                                        std::to_string(peer.port) + " is not in 1-65535");
    }
  }
  std::string text = "# pbld configuration written by tests/testing/node_harness.h\n";
  text += internal::NodeTable(node);
  for (const NodeSpec& peer : peers) {
    std::string key = peer.certificate_key;
    if (key.empty() && peer.tls.has_value()) {
      absl::StatusOr<std::string> of_file = CertificateKeyOfFile(peer.tls->cert);
      if (!of_file.ok()) return of_file.status();
      key = *of_file;
    }
    text += internal::PeerTable(peer, key);
  }
  text += "\n[access]\n";
  text += "administrators = " + internal::AccessList(access.administrators) + "\n";
  text += "auditors = " + internal::AccessList(access.auditors) + "\n";
  text += internal::LimitsTable(node.limits);
  return text;
}

// Makes node.dir and writes node.ConfigPath() (FormatNodeConfig), unless node.signing_key is
// empty node.SigningKeyPath() with mode 0600, when node.sealed and it is missing a new
// node.MasterKeyPath(), and with `fault_plan` node.FaultPlanPath()
// (FormatFaultPlan); without one, a fault plan file left from before is removed. Files are
// replaced if they exist; the data directory is left to pbld. Returns the config path. Errors as
// FormatNodeConfig and FormatFaultPlan, INTERNAL if a file cannot be written.
inline absl::StatusOr<std::string> WriteNodeConfig(
    const NodeSpec& node, const std::vector<NodeSpec>& peers, const AccessLists& access,
    const std::optional<FaultPlanSpec>& fault_plan = std::nullopt) {
  absl::StatusOr<std::string> text = FormatNodeConfig(node, peers, access);
  if (!text.ok()) return text.status();
  absl::StatusOr<std::string> plan_text = std::string();
  if (fault_plan.has_value()) plan_text = FormatFaultPlan(*fault_plan);
  if (!plan_text.ok()) return plan_text.status();
  std::error_code error;
  std::filesystem::create_directories(node.dir, error);
  if (error) return absl::InternalError("cannot create " + node.dir + ": " + error.message());
  if (!node.signing_key.empty()) {
    std::string key_line = node.signing_key;
    if (!key_line.ends_with('\n')) key_line += '\n';
    absl::Status status =
        node_harness_internal::WriteFileWithMode(node.SigningKeyPath(), key_line, 0600);
    std::fill(key_line.begin(), key_line.end(), '\0');
    if (!status.ok()) return status;
  }
  if (node.sealed && !std::filesystem::exists(node.MasterKeyPath(), error)) {
    absl::Status status =
        crypto::WriteMasterKeyFile(node.MasterKeyPath(), crypto::SecretKey::Generate());
    if (!status.ok()) return status;
  }
  absl::Status status = node_harness_internal::WriteFileWithMode(node.ConfigPath(), *text, 0644);
  if (!status.ok()) return status;
  if (fault_plan.has_value()) {
    status = node_harness_internal::WriteFileWithMode(node.FaultPlanPath(), *plan_text, 0644);
    if (!status.ok()) return status;
  } else {
    std::filesystem::remove(node.FaultPlanPath(), error);
    if (error) return absl::InternalError("cannot remove " + node.FaultPlanPath());
  }
  return node.ConfigPath();
}

// The command that runs `node` as WriteNodeConfig left it: `pbld_faulty_path --fault-plan
// node.FaultPlanPath() --config node.ConfigPath()` if it has a fault plan file, else `pbld_path
// --config node.ConfigPath()`.
inline std::vector<std::string> NodeCommand(const NodeSpec& node, const std::string& pbld_path,
                                            const std::string& pbld_faulty_path) {
  std::error_code error;
  if (std::filesystem::exists(node.FaultPlanPath(), error)) {
    return {pbld_faulty_path, "--fault-plan", node.FaultPlanPath(), "--config", node.ConfigPath()};
  }
  return {pbld_path, "--config", node.ConfigPath()};
}

// ---------------------------------------------------------------------------------------------
// Processes.

// How a child process ended.
struct ProcessExit {
  int exit_code = -1;               // its exit code, or -1 if a signal ended it
  int term_signal = 0;              // the signal that ended it, or 0
  bool killed_after_grace = false;  // Stop() sent SIGKILL because SIGTERM was not enough

  bool Clean() const { return exit_code == 0; }
  std::string ToString() const {
    if (exit_code >= 0) return "exit code " + std::to_string(exit_code);
    std::string text = "signal " + std::to_string(term_signal);
    return killed_after_grace ? text + " after the stop grace period" : text;
  }
};

// A daemon run as a child of the test: output appended to a log file, stdin from /dev/null.
// Start returns once 127.0.0.1:port accepts TCP connections (and the worker port too, for a node
// that has one). Not copyable; movable.
class NodeProcess {
 public:
  // `log_path` collects the child's stdout and stderr of every run (appended); `port` is the
  // loopback port it listens on.
  NodeProcess(std::string log_path, int port) : log_path_(std::move(log_path)), port_(port) {}
  explicit NodeProcess(const NodeSpec& node) : NodeProcess(node.LogPath(), node.port) {
    worker_port_ = node.worker_port;
  }

  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;
  NodeProcess(NodeProcess&& other) noexcept { *this = std::move(other); }
  NodeProcess& operator=(NodeProcess&& other) noexcept {
    if (this != &other) {
      Kill();
      log_path_ = std::move(other.log_path_);
      port_ = other.port_;
      worker_port_ = other.worker_port_;
      argv_ = std::move(other.argv_);
      start_timeout_ = other.start_timeout_;
      pid_ = std::exchange(other.pid_, -1);
      last_exit_ = other.last_exit_;
    }
    return *this;
  }
  ~NodeProcess() { Kill(); }

  // Runs `pbld_path --config config_path`; see StartCommand.
  absl::Status Start(const std::string& pbld_path, const std::string& config_path) {
    return StartCommand({pbld_path, "--config", config_path});
  }

  // Runs argv (argv[0] a path, not searched on PATH) and waits up to start_timeout for the port
  // to accept connections. FAILED_PRECONDITION if a process is already running or the port
  // already accepts connections before the start, or (with the log's tail) if the process exits
  // before it listens; DEADLINE_EXCEEDED (with the log's tail, the process killed) if it does not
  // listen in time; INTERNAL if it cannot be started.
  absl::Status StartCommand(std::vector<std::string> argv) {
    if (pid_ > 0) {
      return absl::FailedPreconditionError("already running as pid " + std::to_string(pid_));
    }
    if (argv.empty()) return absl::InvalidArgumentError("empty command");
    if (LoopbackPortAcceptsConnections(port_)) {
      return absl::FailedPreconditionError("something already listens on " + Address());
    }
    argv_ = std::move(argv);
    absl::Status status = Spawn();
    if (!status.ok()) return status;
    return WaitUntilListening();
  }

  // Stops the running process and starts the same command again (its exit is in last_exit()).
  absl::Status Restart() {
    if (argv_.empty()) return absl::FailedPreconditionError("never started");
    Stop();
    return StartCommand(argv_);
  }

  // Sends SIGTERM and waits up to `grace` for the process to exit, then sends SIGKILL. Returns
  // how it ended (also when it had already ended by itself); last_exit() if none is running.
  ProcessExit Stop(std::chrono::milliseconds grace = kNodeStopGrace) {
    if (pid_ <= 0) return last_exit_;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!Reap(WNOHANG)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        Reap(0);
        last_exit_.killed_after_grace = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return last_exit_;
  }

  // Sends SIGKILL and reaps the process; last_exit() if none is running.
  ProcessExit Kill() {
    if (pid_ <= 0) return last_exit_;
    ::kill(pid_, SIGKILL);
    Reap(0);
    return last_exit_;
  }

  // True while the child has not exited (reaps it if it has).
  bool IsRunning() { return pid_ > 0 && !Reap(WNOHANG); }

  // The last `lines` lines of the log (all runs), for failure messages.
  std::string LogTail(int lines = kNodeLogTailLines) const {
    std::ifstream in(log_path_, std::ios::binary | std::ios::ate);
    if (!in) return "";
    const std::streamoff size = in.tellg();
    const std::streamoff start =
        std::max<std::streamoff>(0, size - static_cast<std::streamoff>(kNodeLogTailBytesMax));
    in.seekg(start);
    std::string text(static_cast<size_t>(size - start), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    size_t begin = text.size();
    if (!text.empty() && text.back() == '\n') --begin;  // the final newline ends the last line
    for (int found = 0; begin > 0; --begin) {
      if (text[begin - 1] == '\n' && ++found == lines) break;
    }
    return lines <= 0 ? "" : text.substr(begin);
  }

  void set_start_timeout(std::chrono::milliseconds timeout) { start_timeout_ = timeout; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  std::string Address() const { return std::string(kLoopbackHost) + ":" + std::to_string(port_); }
  const std::string& log_path() const { return log_path_; }
  const ProcessExit& last_exit() const { return last_exit_; }

 private:
  // waitpid(options); true (and last_exit_ set, pid_ cleared) if the child was reaped.
  bool Reap(int options) {
    int status = 0;
    pid_t result = 0;
    do {
      result = ::waitpid(pid_, &status, options);
    } while (result < 0 && errno == EINTR);
    if (result == 0) return false;
    last_exit_ = ProcessExit{};
    if (result == pid_ && WIFEXITED(status)) last_exit_.exit_code = WEXITSTATUS(status);
    if (result == pid_ && WIFSIGNALED(status)) last_exit_.term_signal = WTERMSIG(status);
    pid_ = -1;
    return true;
  }

  // fork and exec argv_. Between fork and exec the child calls only async-signal-safe functions,
  // so it is safe while other threads of the test (gRPC's) hold locks.
  absl::Status Spawn() {
    std::string banner = "=== node_harness: starting";
    for (const std::string& arg : argv_) banner += " " + arg;
    banner += " ===\n";
    const std::string exec_failed = "node_harness: cannot execute " + argv_[0] + "\n";
    std::vector<char*> args;
    for (std::string& arg : argv_) args.push_back(arg.data());
    args.push_back(nullptr);

    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return absl::InternalError("cannot open log " + log_path_);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    bool ok = null_fd >= 0 && ::write(log_fd, banner.data(), banner.size()) >= 0;
    const pid_t parent = ::getpid();
    const pid_t pid = ok ? ::fork() : -1;
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::close_range(3, ~0U, 0);
      sigset_t none;
      ::sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      for (const int signal_number : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
        ::signal(signal_number, SIG_DFL);
      }
      ::execv(args[0], args.data());
      (void)!::write(2, exec_failed.data(), exec_failed.size());
      ::_exit(127);
    }
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    if (pid < 0) return absl::InternalError("cannot start " + argv_[0]);
    pid_ = pid;
    return absl::OkStatus();
  }

  absl::Status WaitUntilListening() {
    const auto deadline = std::chrono::steady_clock::now() + start_timeout_;
    while (true) {
      // pbld starts its listeners one after the other: ready once every one accepts.
      if (LoopbackPortAcceptsConnections(port_) &&
          (worker_port_ == 0 || LoopbackPortAcceptsConnections(worker_port_))) {
        return absl::OkStatus();
      }
      if (Reap(WNOHANG)) {
        return absl::FailedPreconditionError(argv_[0] + " ended with " + last_exit_.ToString() +
                                             " before listening on " + Address() + "; log tail:\n" +
                                             LogTail());
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        Kill();
        return absl::DeadlineExceededError(argv_[0] + " did not listen on " + Address() +
                                           " within " + std::to_string(start_timeout_.count()) +
                                           " ms (killed); log tail:\n" + LogTail());
      }
      std::this_thread::sleep_for(kNodePollInterval);
    }
  }

  std::string log_path_;
  int port_ = 0;
  int worker_port_ = 0;  // 0: none
  std::vector<std::string> argv_;
  std::chrono::milliseconds start_timeout_ = kNodeStartTimeout;
  pid_t pid_ = -1;
  ProcessExit last_exit_;
};

}  // namespace pbl::testing

#endif  // PBL_TESTS_TESTING_NODE_HARNESS_H_
