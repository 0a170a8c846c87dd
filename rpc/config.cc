#include "rpc/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/base/toml_reader.h"
#include "crypto/certificate_key.h"
#include "crypto/note.h"
#include "ledger/domain/scheme.h"
#include "ledger/log/log_format.h"

namespace pbl::rpc {

namespace {

using Item = TomlItem;

// Bounds on what the file may hold (specs/node-config.md lists them).
constexpr size_t kConfigFileBytesMax = size_t{1} << 20;
constexpr size_t kNodeIdBytesMax = 32;
// X.509's upper bound on a common name (RFC 5280, ub-common-name).
constexpr size_t kCommonNameBytesMax = 64;
constexpr size_t kPathBytesMax = 4096;  // PATH_MAX on Linux
// A DNS name (253) in brackets with a colon and five port digits fits.
constexpr size_t kAddressBytesMax = 262;
constexpr size_t kHostBytesMax = 253;
// name + '+' + 8 hex digits + '+' + base64 of 33 bytes (44), with room to spare.
constexpr size_t kVerifierKeyBytesMax = crypto::kKeyNameBytesMax + 64;
constexpr size_t kSchemeIdBytesMax = 64;
constexpr size_t kSchemesMax = 256;
constexpr size_t kPeersMax = 256;
constexpr size_t kAccessNamesMax = 1024;

constexpr int64_t kPortMax = 65535;
constexpr int64_t kDaySeconds = 86'400;
constexpr int64_t kBatchEntriesMax = static_cast<int64_t>(ledger::kBatchEntriesMax);
constexpr int64_t kMessageBytesMin = int64_t{1} << 20;
constexpr int64_t kMessageBytesMax = int64_t{256} << 20;
constexpr int64_t kTransferDeadlineSecondsMax = 30 * kDaySeconds;
constexpr int64_t kWorkerTokenSecondsMin = 60;
constexpr int64_t kWorkerTokenSecondsMax = 365 * kDaySeconds;
constexpr int64_t kWorkerMessageBytesMin = 1 << 10;
constexpr int64_t kWorkerMessageBytesMax = 1 << 20;
constexpr int64_t kMemoryBytesMin = 4 << 20;
constexpr int64_t kMemoryBytesMax = int64_t{1} << 30;  // within int32_t, which gRPC's quota takes
constexpr int64_t kThreadsMin = 2;
constexpr int64_t kThreadsMax = 1024;

// Reads an optional integer key into *out, which keeps its default when the key is absent.
absl::Status OptionalInt32(const TableReader& table, std::string_view key, int64_t min, int64_t max,
                           int32_t* out) {
  if (!table.Has(key)) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(const int64_t value, table.Int(key, min, max));
  *out = static_cast<int32_t>(value);  // min..max lies within int32_t
  return absl::OkStatus();
}

// --- values ---

bool IsNodeIdText(std::string_view id) {
  return !id.empty() && id.size() <= kNodeIdBytesMax &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsHostNameText(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

bool IsIpv6Text(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == ':' || c == '.';
         });
}

// "host:port" split; IPv6 hosts are bracketed ("[::1]:7443") and returned without brackets.
struct HostPort {
  std::string_view host;
  bool bracketed = false;
  int64_t port = 0;
};

std::optional<HostPort> SplitHostPort(std::string_view text) {
  HostPort out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    port = text.substr(close + 2);
    if (!IsIpv6Text(out.host)) return std::nullopt;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (out.host.empty() || !IsHostNameText(out.host)) return std::nullopt;
  }
  if (out.host.size() > kHostBytesMax || !IsDigits(port) || port.size() > 5) return std::nullopt;
  for (char c : port) out.port = out.port * 10 + (c - '0');
  if (out.port > kPortMax) return std::nullopt;
  return out;
}

// 127.0.0.0/8 as four decimal octets without leading zeros.
bool IsLoopbackIpv4(std::string_view host) {
  std::array<int, 4> octets{};
  for (size_t i = 0; i < octets.size(); ++i) {
    const size_t dot = host.find('.');
    // Octets 1-3 end in a dot; the last ends the host.
    if ((i + 1 < octets.size()) == (dot == std::string_view::npos)) return false;
    const std::string_view octet = host.substr(0, dot);
    if (!IsDigits(octet) || octet.size() > 3 || (octet.size() > 1 && octet[0] == '0')) {
      return false;
    }
    for (char c : octet) octets[i] = octets[i] * 10 + (c - '0');
    if (octets[i] > 255) return false;
    host.remove_prefix(dot == std::string_view::npos ? host.size() : dot + 1);
  }
  return octets[0] == 127;
}

absl::StatusOr<std::string> NodeId(const TableReader& table, std::string_view key) {
  PBL_ASSIGN_OR_RETURN(std::string id, table.String(key, kNodeIdBytesMax));
  if (!IsNodeIdText(id)) {
    return table.Error(key, StrCat("= ", Quote(id), " may hold only a-z, 0-9 and '-'"));
  }
  return id;
}

// A host:port address whose port is at least port_min; empty_ok allows "" (no address).
absl::StatusOr<std::string> Address(const TableReader& table, std::string_view key,
                                    int64_t port_min, bool empty_ok = false) {
  std::string text;
  if (empty_ok) {
    PBL_ASSIGN_OR_RETURN(text, table.StringOrEmpty(key, kAddressBytesMax));
    if (text.empty()) return text;
  } else {
    PBL_ASSIGN_OR_RETURN(text, table.String(key, kAddressBytesMax));
  }
  const std::optional<HostPort> parsed = SplitHostPort(text);
  if (!parsed || parsed->port < port_min) {
    return table.Error(key, StrCat("= ", Quote(text), " is not host:port with a port ", port_min,
                                   "..", kPortMax, " (an IPv6 host in brackets: [::1]:7443)"));
  }
  return text;
}

// A path, resolved against base_dir when relative; empty_ok allows "" (no path).
absl::StatusOr<std::string> Path(const TableReader& table, std::string_view key,
                                 const std::string& base_dir, bool empty_ok = false) {
  std::string text;
  if (empty_ok) {
    PBL_ASSIGN_OR_RETURN(text, table.StringOrEmpty(key, kPathBytesMax));
    if (text.empty()) return text;
  } else {
    PBL_ASSIGN_OR_RETURN(text, table.String(key, kPathBytesMax));
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return (c >= 0 && c < 0x20) || c == 0x7F; })) {
    return table.Error(key, "contains a control character");
  }
  const std::filesystem::path path(text);
  if (path.is_absolute() || base_dir.empty()) return text;
  return (std::filesystem::path(base_dir) / path).string();
}

// Whether `path` is `dir` or below it, after resolving symbolic links and "..".
bool IsInside(const std::string& path, const std::string& dir) {
  std::error_code ignored;
  std::filesystem::path d = std::filesystem::weakly_canonical(dir, ignored);
  if (d.filename().empty()) d = d.parent_path();  // a trailing separator
  const std::filesystem::path p = std::filesystem::weakly_canonical(path, ignored);
  return std::mismatch(d.begin(), d.end(), p.begin(), p.end()).first == d.end();
}

absl::StatusOr<std::string> CommonName(std::string_view file, const TomlItem& item) {
  if (item.value.empty()) return ErrorAt(file, item.line, StrCat(item.name, " is empty"));
  if (item.value.size() > kCommonNameBytesMax || !IsPrintableAscii(item.value)) {
    return ErrorAt(
        file, item.line,
        StrCat(item.name, " = ", Quote(item.value), " is not a certificate common name (", "1-",
               kCommonNameBytesMax, " printable ASCII characters)"));
  }
  return item.value;
}

absl::StatusOr<std::string> PeerVerifierKey(const TableReader& table, std::string_view key) {
  PBL_ASSIGN_OR_RETURN(std::string text, table.String(key, kVerifierKeyBytesMax));
  const absl::StatusOr<crypto::VerifierKey> parsed = crypto::ParseVerifierKey(text);
  if (!parsed.ok()) {
    return table.Error(key, StrCat("is invalid: ", parsed.status().message()));
  }
  if (parsed->type != crypto::kSignatureTypeEd25519) {
    return table.Error(key, StrCat("has signature type ", static_cast<int>(parsed->type),
                                   "; a node's key must be Ed25519 (type 1)"));
  }
  return text;
}

// --- checks across sections ---

// Values that must be unique across the file (node and peer ids, certificate names, hosted
// schemes): each maps to where it was first given, and a second claim is refused.
class Claims {
 public:
  explicit Claims(std::string_view rule) : rule_(rule) {}

  absl::Status Claim(std::string_view file, const TomlItem& item) {
    const auto [first, inserted] =
        first_.emplace(item.value, StrCat(item.name, " (line ", item.line, ")"));
    if (inserted) return absl::OkStatus();
    return ErrorAt(
        file, item.line,
        StrCat(item.name, " = ", Quote(item.value), " is also ", first->second, "; ", rule_));
  }
  // Claims the string value of `key` in `table`.
  absl::Status Claim(const TableReader& table, std::string_view key, const std::string& value) {
    return Claim(table.file(), Item{value, table.Name(key), table.Line(key)});
  }

 private:
  std::string_view rule_;
  std::map<std::string, std::string, std::less<>> first_;
};

struct AllClaims {
  Claims ids{"node and peer ids must be unique"};
  Claims names{
      "a certificate name may appear once: as one peer's identity, an administrator or "
      "an auditor"};
  Claims schemes{"a scheme may appear once: hosted by this node or by one peer"};
  Claims keys{"a certificate key is one identity: one peer, administrator or auditor"};
};

// The certificate key of an identity: required with [tls], optional (and then unused) with
// dev_plaintext. Each is claimed: one key is one identity.
absl::StatusOr<std::string> CertificateKey(const TableReader& table, bool plaintext,
                                           Claims* claims) {
  constexpr std::string_view kKey = "certificate_key";
  if (!table.Has(kKey)) {
    if (plaintext) return std::string();
    return table.Error(kKey,
                       "is missing: with [tls] every identity is pinned to its certificate's key "
                       "(`pbl cert-key FILE` prints it)");
  }
  PBL_ASSIGN_OR_RETURN(std::string key, table.String(kKey, crypto::kCertificateKeyBytes + 1));
  if (!crypto::IsCertificateKeyId(key)) {
    return table.Error(kKey, StrCat("= ", Quote(key),
                                    " is not \"sha256:\" and 64 lowercase hex digits (the SHA-256 "
                                    "of the certificate's public key; `pbl cert-key FILE`)"));
  }
  PBL_RETURN_IF_ERROR(claims->Claim(table, kKey, key));
  return key;
}

// A list of valid scheme ids, each claimed.
absl::StatusOr<std::vector<std::string>> Schemes(const TableReader& table, std::string_view key,
                                                 Claims* claims) {
  PBL_ASSIGN_OR_RETURN(const std::vector<TomlItem> items,
                       table.StringList(key, kSchemesMax, kSchemeIdBytesMax));
  std::vector<std::string> schemes;
  for (const TomlItem& item : items) {
    const absl::StatusOr<ledger::SchemeId> parsed = ledger::ParseSchemeId(item.value);
    if (!parsed.ok()) {
      return ErrorAt(table.file(), item.line, StrCat(item.name, ": ", parsed.status().message()));
    }
    PBL_RETURN_IF_ERROR(claims->Claim(table.file(), item));
    schemes.push_back(item.value);
  }
  return schemes;
}

// An identity's name, claimed: 1-64 printable ASCII characters.
absl::StatusOr<std::string> IdentityName(const TableReader& table, std::string_view key,
                                         Claims* claims) {
  PBL_ASSIGN_OR_RETURN(const std::string name, table.String(key, kCommonNameBytesMax + 1));
  const Item item{name, table.Name(key), table.Line(key)};
  PBL_ASSIGN_OR_RETURN(std::string checked, CommonName(table.file(), item));
  PBL_RETURN_IF_ERROR(claims->Claim(table.file(), item));
  return checked;
}

// A list of { name, certificate_key } tables, each name and key claimed; empty when absent.
absl::StatusOr<std::vector<AccessIdentity>> AccessIdentities(const TableReader& table,
                                                             std::string_view key, bool plaintext,
                                                             AllClaims* claims) {
  if (!table.Has(key)) return std::vector<AccessIdentity>();
  PBL_ASSIGN_OR_RETURN(const std::vector<TableReader> items,
                       table.TableArray(key, kAccessNamesMax));
  std::vector<AccessIdentity> out;
  for (const TableReader& item : items) {
    PBL_RETURN_IF_ERROR(item.CheckKeys({"name", "certificate_key"}));
    AccessIdentity identity;
    PBL_ASSIGN_OR_RETURN(identity.name, IdentityName(item, "name", &claims->names));
    PBL_ASSIGN_OR_RETURN(identity.certificate_key, CertificateKey(item, plaintext, &claims->keys));
    out.push_back(std::move(identity));
  }
  return out;
}

// --- sections ---

absl::Status ParseNode(const TableReader& node, const std::string& base_dir, AllClaims* claims,
                       NodeConfig* config) {
  PBL_RETURN_IF_ERROR(node.CheckKeys({"id", "origin", "schemes", "data_dir", "listen",
                                      "worker_listen", "signing_key", "master_key",
                                      "metrics_listen", "rules_dir", "dev_plaintext"}));
  PBL_ASSIGN_OR_RETURN(config->node_id, NodeId(node, "id"));
  PBL_RETURN_IF_ERROR(claims->ids.Claim(node, "id", config->node_id));
  PBL_ASSIGN_OR_RETURN(config->origin, node.String("origin", crypto::kKeyNameBytesMax));
  if (const absl::Status valid = crypto::ValidateKeyName(config->origin); !valid.ok()) {
    return node.Error("origin", StrCat("= ", Quote(config->origin),
                                       " is not a note key name: ", valid.message()));
  }
  PBL_ASSIGN_OR_RETURN(config->schemes, Schemes(node, "schemes", &claims->schemes));
  if (config->schemes.empty()) return node.Error("schemes", "is empty (host at least one)");
  PBL_ASSIGN_OR_RETURN(config->data_dir, Path(node, "data_dir", base_dir));
  PBL_ASSIGN_OR_RETURN(config->listen, Address(node, "listen", /*port_min=*/0));
  PBL_ASSIGN_OR_RETURN(config->worker_listen,
                       Address(node, "worker_listen", /*port_min=*/0, /*empty_ok=*/true));
  if (!config->worker_listen.empty() && config->worker_listen == config->listen &&
      SplitHostPort(config->listen)->port != 0) {
    return node.Error("worker_listen", StrCat("= ", Quote(config->worker_listen), " is also ",
                                              node.Name("listen"), ": the two listeners differ"));
  }
  PBL_ASSIGN_OR_RETURN(config->signing_key_file, Path(node, "signing_key", base_dir));
  PBL_ASSIGN_OR_RETURN(config->master_key_file,
                       Path(node, "master_key", base_dir, /*empty_ok=*/true));
  if (!config->master_key_file.empty()) {
    // Beside the data it protects, the key would protect nothing from a copy of the directory.
    if (IsInside(config->master_key_file, config->data_dir)) {
      return node.Error("master_key",
                        StrCat("= ", Quote(config->master_key_file), " is inside ",
                               node.Name("data_dir"), ": keep the master key apart from the data"));
    }
  }
  PBL_ASSIGN_OR_RETURN(config->metrics_listen,
                       Address(node, "metrics_listen", /*port_min=*/0, /*empty_ok=*/true));
  PBL_ASSIGN_OR_RETURN(config->rules_dir, Path(node, "rules_dir", base_dir, /*empty_ok=*/true));
  if (node.Has("dev_plaintext")) {
    PBL_ASSIGN_OR_RETURN(config->dev_plaintext, node.Bool("dev_plaintext"));
  }
  for (const std::string_view key : {"listen", "worker_listen"}) {
    const std::string& address = key == "listen" ? config->listen : config->worker_listen;
    if (config->dev_plaintext && !address.empty() && !IsLoopbackHost(address)) {
      return node.Error("dev_plaintext",
                        StrCat("= true is refused: ", node.Name(key), " = ", Quote(address),
                               " is not a loopback address (127.x.y.z, [::1] or localhost)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseTls(const TableReader& top, const std::string& base_dir, NodeConfig* config) {
  if (config->dev_plaintext) {
    if (top.Has("tls")) return top.Error("tls", "must be absent when node.dev_plaintext = true");
    return absl::OkStatus();
  }
  if (!top.Has("tls")) {
    return top.Error("tls", "is missing (required unless node.dev_plaintext = true)");
  }
  PBL_ASSIGN_OR_RETURN(const TableReader tls, top.Table("tls"));
  PBL_RETURN_IF_ERROR(tls.CheckKeys({"cert", "key", "client_ca"}));
  TlsConfig out;
  PBL_ASSIGN_OR_RETURN(out.cert_file, Path(tls, "cert", base_dir));
  PBL_ASSIGN_OR_RETURN(out.key_file, Path(tls, "key", base_dir));
  PBL_ASSIGN_OR_RETURN(out.client_ca_file, Path(tls, "client_ca", base_dir));
  config->tls = std::move(out);
  return absl::OkStatus();
}

absl::StatusOr<PeerConfig> ParsePeer(const TableReader& peer, bool plaintext, AllClaims* claims) {
  PBL_RETURN_IF_ERROR(
      peer.CheckKeys({"id", "address", "verifier_key", "identity", "certificate_key", "schemes"}));
  PeerConfig out;
  PBL_ASSIGN_OR_RETURN(out.id, NodeId(peer, "id"));
  PBL_RETURN_IF_ERROR(claims->ids.Claim(peer, "id", out.id));
  // A peer is dialled, so port 0 ("any free port") means nothing here.
  PBL_ASSIGN_OR_RETURN(out.address, Address(peer, "address", /*port_min=*/1));
  PBL_ASSIGN_OR_RETURN(out.verifier_key, PeerVerifierKey(peer, "verifier_key"));
  PBL_ASSIGN_OR_RETURN(out.identity, IdentityName(peer, "identity", &claims->names));
  PBL_ASSIGN_OR_RETURN(out.certificate_key, CertificateKey(peer, plaintext, &claims->keys));
  if (peer.Has("schemes")) {
    PBL_ASSIGN_OR_RETURN(out.schemes, Schemes(peer, "schemes", &claims->schemes));
  }
  return out;
}

absl::Status ParsePeers(const TableReader& top, AllClaims* claims, NodeConfig* config) {
  if (!top.Has("peer")) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(const std::vector<TableReader> peers, top.TableArray("peer", kPeersMax));
  for (const TableReader& peer : peers) {
    PBL_ASSIGN_OR_RETURN(PeerConfig parsed, ParsePeer(peer, config->dev_plaintext, claims));
    config->peers.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

absl::Status ParseAccess(const TableReader& top, AllClaims* claims, NodeConfig* config) {
  PBL_ASSIGN_OR_RETURN(const TableReader access, top.OptionalTable("access"));
  PBL_RETURN_IF_ERROR(access.CheckKeys({"administrators", "auditors"}));
  PBL_ASSIGN_OR_RETURN(config->administrators,
                       AccessIdentities(access, "administrators", config->dev_plaintext, claims));
  PBL_ASSIGN_OR_RETURN(config->auditors,
                       AccessIdentities(access, "auditors", config->dev_plaintext, claims));
  return absl::OkStatus();
}

absl::Status ParseLimits(const TableReader& top, NodeConfig* config) {
  PBL_ASSIGN_OR_RETURN(const TableReader limits, top.OptionalTable("limits"));
  PBL_RETURN_IF_ERROR(
      limits.CheckKeys({"max_batch_entries", "max_message_bytes", "transfer_deadline_seconds",
                        "prepare_deadline_max_seconds", "open_transfers_per_peer_max",
                        "worker_token_max_seconds", "listen_memory_bytes", "listen_threads_max",
                        "worker_max_message_bytes", "worker_memory_bytes", "worker_threads_max"}));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(limits, "max_batch_entries", 1, kBatchEntriesMax, &config->max_batch_entries));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "max_message_bytes", kMessageBytesMin, kMessageBytesMax,
                                    &config->max_message_bytes));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "transfer_deadline_seconds", 1,
                                    kTransferDeadlineSecondsMax,
                                    &config->transfer_deadline_seconds));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "prepare_deadline_max_seconds", 60,
                                    kTransferDeadlineSecondsMax,
                                    &config->prepare_deadline_max_seconds));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "open_transfers_per_peer_max", 1, 1'000'000,
                                    &config->open_transfers_per_peer_max));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "worker_token_max_seconds", kWorkerTokenSecondsMin,
                                    kWorkerTokenSecondsMax, &config->worker_token_max_seconds));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "listen_memory_bytes", kMemoryBytesMin, kMemoryBytesMax,
                                    &config->listen_memory_bytes));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "listen_threads_max", kThreadsMin, kThreadsMax,
                                    &config->listen_threads_max));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "worker_max_message_bytes", kWorkerMessageBytesMin,
                                    kWorkerMessageBytesMax, &config->worker_max_message_bytes));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "worker_memory_bytes", kMemoryBytesMin, kMemoryBytesMax,
                                    &config->worker_memory_bytes));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "worker_threads_max", kThreadsMin, kThreadsMax,
                                    &config->worker_threads_max));
  return absl::OkStatus();
}

absl::StatusOr<NodeConfig> ParseDocument(const toml::table& document, std::string_view file,
                                         const std::string& base_dir) {
  const TableReader top(file, &document, 1, "");
  PBL_RETURN_IF_ERROR(top.CheckKeys({"node", "tls", "peer", "access", "limits"}));
  NodeConfig config;
  AllClaims claims;
  PBL_ASSIGN_OR_RETURN(const TableReader node, top.Table("node"));
  PBL_RETURN_IF_ERROR(ParseNode(node, base_dir, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseTls(top, base_dir, &config));
  PBL_RETURN_IF_ERROR(ParsePeers(top, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseAccess(top, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseLimits(top, &config));
  return config;
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::NotFoundError(StrCat("cannot read ", path, ": not a regular file",
                                      error ? StrCat(" (", error.message(), ")") : ""));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(StrCat("cannot open ", path));
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (text.size() > kConfigFileBytesMax) {
      return absl::InvalidArgumentError(
          StrCat(path, ": longer than ", kConfigFileBytesMax, " bytes"));
    }
  }
  if (in.bad()) return absl::NotFoundError(StrCat("cannot read ", path));
  return text;
}

}  // namespace

absl::StatusOr<NodeConfig> LoadNodeConfig(const std::string& path) {
  PBL_ASSIGN_OR_RETURN(const std::string text, ReadConfigFile(path));
  return ParseNodeConfig(text, path, std::filesystem::path(path).parent_path().string());
}

absl::StatusOr<NodeConfig> ParseNodeConfig(std::string_view text, const std::string& file_name,
                                           const std::string& base_dir) {
  if (text.size() > kConfigFileBytesMax) {
    return absl::InvalidArgumentError(
        StrCat(file_name, ": longer than ", kConfigFileBytesMax, " bytes"));
  }
  PBL_ASSIGN_OR_RETURN(const toml::table document, ParseToml(text, file_name));
  return ParseDocument(document, file_name, base_dir);
}

bool HostsScheme(const NodeConfig& config, std::string_view scheme_id) {
  return std::find(config.schemes.begin(), config.schemes.end(), scheme_id) != config.schemes.end();
}

bool IsLoopbackHost(std::string_view host_port) {
  const std::optional<HostPort> parsed = SplitHostPort(host_port);
  if (!parsed) return false;
  if (parsed->bracketed) return parsed->host == "::1";
  return parsed->host == "localhost" || IsLoopbackIpv4(parsed->host);
}

}  // namespace pbl::rpc
