// The node's configuration: a TOML file (specs/node-config.md). LoadNodeConfig parses and checks
// it; the node reads only the typed NodeConfig. Relative paths in the file are resolved against
// the file's folder. Pure apart from reading the file; thread-safe.
#ifndef PBL_RPC_CONFIG_H_
#define PBL_RPC_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pbl::rpc {

struct PeerConfig {
  std::string id;            // the peer's node id, e.g. "anhui"
  std::string address;       // host:port of its gRPC server
  std::string verifier_key;  // its C2SP note verifier key (checkpoints, packages, receipts)
  std::string identity;      // the name it goes by in this node's logs and messages
  // The key id (crypto/certificate_key.h) of the certificate it presents, as a client to this
  // node and as a server to this node's calls. Empty only with dev_plaintext.
  std::string certificate_key;
  std::vector<std::string> schemes;  // the schemes it hosts, e.g. UEBPI-340000
};

// An administrator or auditor: the name it goes by in logs and messages, and the key id of its
// client certificate (empty only with dev_plaintext, where the name stands for the certificate).
struct AccessIdentity {
  std::string name;
  std::string certificate_key;
};

struct TlsConfig {
  std::string cert_file;       // PEM server certificate (also used as client cert to peers)
  std::string key_file;        // PEM private key of cert_file
  std::string client_ca_file;  // PEM CA that signs administrator, auditor and peer certificates
};

struct NodeConfig {
  std::string node_id;               // [node] id: 1-32 of [a-z0-9-]
  std::string origin;                // [node] origin: the log origin and signing key name
  std::vector<std::string> schemes;  // [node] schemes hosted (validated scheme ids), >= 1
  std::string data_dir;              // [node] data_dir: the log and the transfer state
  std::string listen;                // [node] listen: host:port (port 0: any free port)
  std::string worker_listen;         // [node] worker_listen: the workers' listener, "" for none
  std::string signing_key_file;      // [node] signing_key: Go note private key file (0600)
  std::string metrics_listen;        // [node] metrics_listen: host:port, empty for none
  std::string rules_dir;             // [node] rules_dir: empty for the compiled-in rules
  // [node] master_key: a master key file outside data_dir (PBL+MASTER+KEY+..., 0600); when set
  // the log is in format v2 (specs/log-format-v2.md), which keeps no person's data in the clear.
  std::string master_key_file;

  // [tls]; absent only with [node] dev_plaintext = true, which is refused on a non-loopback
  // listen address.
  std::optional<TlsConfig> tls;
  bool dev_plaintext = false;

  std::vector<PeerConfig> peers;  // [[peer]]

  // [access]
  std::vector<AccessIdentity> administrators;
  std::vector<AccessIdentity> auditors;

  // [limits]
  int32_t max_batch_entries = 10'000;
  int32_t max_message_bytes = 64 << 20;
  int32_t transfer_deadline_seconds = 900;  // a transfer not finished by then is voided
  // As a source: the furthest deadline a peer's Prepare may set, from now. Until then the
  // person's account is pending and only the destination's signed answer releases it, so this
  // bounds how long a peer can hold an account. 21 days: the 15 working days of one statutory
  // step (Guobanfa [2009] No. 66 art. 8) and the weekends between.
  int32_t prepare_deadline_max_seconds = 21 * 86'400;
  // As a source: how many transfers one peer may have open here at once (each holds an account
  // pending). New Prepares beyond it are RESOURCE_EXHAUSTED, nothing recorded.
  int32_t open_transfers_per_peer_max = 10'000;
  int32_t worker_token_max_seconds = 86'400 * 30;
  // The listener of administrators, auditors and peers (which present certificates): gRPC's
  // resource quota, the memory and threads its calls may take.
  int32_t listen_memory_bytes = 1 << 30;
  int32_t listen_threads_max = 64;
  // The workers' listener (no client certificate): small requests only, a small quota.
  int32_t worker_max_message_bytes = 16 << 10;
  int32_t worker_memory_bytes = 16 << 20;
  int32_t worker_threads_max = 16;
};

// Reads and checks the file. INVALID_ARGUMENT "FILE:LINE: message" naming the key for: TOML
// syntax errors, unknown keys or tables, missing required keys, wrong types, a bad node id,
// scheme id, address, verifier key or certificate key, duplicate peer ids, identities or
// certificate keys, an identity in two roles, limits out of range, plaintext on a non-loopback
// address, a missing certificate key with [tls]. NOT_FOUND if the
// file cannot be read.
absl::StatusOr<NodeConfig> LoadNodeConfig(const std::string& path);
absl::StatusOr<NodeConfig> ParseNodeConfig(std::string_view text, const std::string& file_name,
                                           const std::string& base_dir);

// True if the node hosts `scheme_id` ([node] schemes).
bool HostsScheme(const NodeConfig& config, std::string_view scheme_id);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(std::string_view host_port);

}  // namespace pbl::rpc

#endif  // PBL_RPC_CONFIG_H_
