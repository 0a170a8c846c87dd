// libFuzzer target for the node's configuration file (rpc/config.h ParseNodeConfig, through
// ledger/toml_reader.h): arbitrary text as a node.toml read from /base.
//
// The properties checked, besides "never crash" (toml++'s exceptions included):
//  - every error is INVALID_ARGUMENT "fuzz.toml:LINE: message" with LINE a line of the text;
//  - an accepted configuration keeps the documented rules, restated here: a node id of 1-32
//    characters of [a-z0-9-] that no peer shares, peer ids unique too; an origin that is a note
//    key name; at least one hosted scheme, every scheme id valid and named once in the file;
//    peer identities, administrators and auditors each a 1-64 byte printable name given once,
//    each with a certificate key ("sha256:" and 64 lowercase hex digits) given once, required
//    unless dev_plaintext; the two listeners differ;
//    peer verifier keys Ed25519; peer addresses with a port; limits within their ranges; TLS
//    exactly when not dev_plaintext; dev_plaintext only on a loopback listen address; relative
//    paths resolved under /base;
//  - parse -> write -> parse round trip: the configuration written back as TOML (every field,
//    paths already resolved) parses to the same configuration.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "crypto/base/strings.h"
#include "crypto/note.h"
#include "ledger/domain/scheme.h"
#include "ledger/log/log_format.h"
#include "rpc/config.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::rpc {
namespace {

constexpr std::string_view kFile = "fuzz.toml";
constexpr std::string_view kBaseDir = "/base";

// --- writing a configuration back as TOML ---

std::string TomlString(std::string_view value) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte == 0x7F) {
      StrAppend(&out, "\\u00", kHex[byte >> 4], kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string TomlList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) StrAppend(&out, out.size() > 1 ? ", " : "", TomlString(v));
  return out + "]";
}

void Key(std::string* out, std::string_view key, std::string_view value) {
  StrAppend(out, key, " = ", value, "\n");
}

std::string TomlIdentities(const std::vector<AccessIdentity>& values) {
  std::string out = "[";
  for (const auto& [name, certificate_key] : values) {
    StrAppend(&out, out.size() > 1 ? ", " : "", "{ name = ", TomlString(name));
    if (!certificate_key.empty()) {
      StrAppend(&out, ", certificate_key = ", TomlString(certificate_key));
    }
    StrAppend(&out, " }");
  }
  return out + "]";
}

// Every field; the structured bindings stop compiling when a field is added.
std::string WriteNode(const NodeConfig& c) {
  const auto& [node_id, origin, schemes, data_dir, listen, worker_listen, signing_key_file,
               metrics_listen, rules_dir, master_key_file, tls, dev_plaintext, peers,
               administrators, auditors, max_batch_entries, max_message_bytes,
               transfer_deadline_seconds, prepare_deadline_max_seconds, open_transfers_per_peer_max,
               worker_token_max_seconds, listen_memory_bytes, listen_threads_max,
               worker_max_message_bytes, worker_memory_bytes, worker_threads_max] = c;
  std::string out = "[node]\n";
  Key(&out, "id", TomlString(node_id));
  Key(&out, "origin", TomlString(origin));
  Key(&out, "schemes", TomlList(schemes));
  Key(&out, "data_dir", TomlString(data_dir));
  Key(&out, "listen", TomlString(listen));
  if (!worker_listen.empty()) Key(&out, "worker_listen", TomlString(worker_listen));
  Key(&out, "signing_key", TomlString(signing_key_file));
  if (!metrics_listen.empty()) Key(&out, "metrics_listen", TomlString(metrics_listen));
  if (!rules_dir.empty()) Key(&out, "rules_dir", TomlString(rules_dir));
  if (!master_key_file.empty()) Key(&out, "master_key", TomlString(master_key_file));
  Key(&out, "dev_plaintext", dev_plaintext ? "true" : "false");
  if (tls) {
    const auto& [cert, key, client_ca] = *tls;
    StrAppend(&out, "[tls]\n");
    Key(&out, "cert", TomlString(cert));
    Key(&out, "key", TomlString(key));
    Key(&out, "client_ca", TomlString(client_ca));
  }
  StrAppend(&out, "[access]\n");
  Key(&out, "administrators", TomlIdentities(administrators));
  Key(&out, "auditors", TomlIdentities(auditors));
  StrAppend(&out, "[limits]\n");
  Key(&out, "max_batch_entries", StrCat(max_batch_entries));
  Key(&out, "max_message_bytes", StrCat(max_message_bytes));
  Key(&out, "transfer_deadline_seconds", StrCat(transfer_deadline_seconds));
  Key(&out, "prepare_deadline_max_seconds", StrCat(prepare_deadline_max_seconds));
  Key(&out, "open_transfers_per_peer_max", StrCat(open_transfers_per_peer_max));
  Key(&out, "worker_token_max_seconds", StrCat(worker_token_max_seconds));
  Key(&out, "listen_memory_bytes", StrCat(listen_memory_bytes));
  Key(&out, "listen_threads_max", StrCat(listen_threads_max));
  Key(&out, "worker_max_message_bytes", StrCat(worker_max_message_bytes));
  Key(&out, "worker_memory_bytes", StrCat(worker_memory_bytes));
  Key(&out, "worker_threads_max", StrCat(worker_threads_max));
  for (const PeerConfig& peer : peers) {
    const auto& [id, address, verifier_key, identity, certificate_key, peer_schemes] = peer;
    StrAppend(&out, "[[peer]]\n");
    Key(&out, "id", TomlString(id));
    Key(&out, "address", TomlString(address));
    Key(&out, "verifier_key", TomlString(verifier_key));
    Key(&out, "identity", TomlString(identity));
    if (!certificate_key.empty()) Key(&out, "certificate_key", TomlString(certificate_key));
    if (!peer_schemes.empty()) Key(&out, "schemes", TomlList(peer_schemes));
  }
  return out;
}

// --- the documented rules ---

bool NodeIdOk(const std::string& id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool CommonNameOk(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool CertificateKeyOk(const std::string& key, bool plaintext) {
  if (key.empty()) return plaintext;
  return key.size() == 71 && key.starts_with("sha256:") &&
         std::all_of(key.begin() + 7, key.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A value given once across the file: false if `value` was given before.
bool Once(std::set<std::string>* seen, const std::string& value) {
  return seen->insert(value).second;
}

bool PathOk(const std::string& path) {
  return !path.empty() && path.starts_with("/") &&
         std::none_of(path.begin(), path.end(),
                      [](char c) { return (c >= 0 && c < 0x20) || c == 0x7F; });
}

void CheckPeers(const NodeConfig& c, std::set<std::string>* ids, std::set<std::string>* names,
                std::set<std::string>* keys, std::set<std::string>* schemes) {
  PBL_FUZZ_CHECK(c.peers.size() <= 256, "peer bound");
  for (const PeerConfig& p : c.peers) {
    PBL_FUZZ_CHECK(NodeIdOk(p.id) && Once(ids, p.id), "peer ids valid and unique");
    PBL_FUZZ_CHECK(CommonNameOk(p.identity) && Once(names, p.identity), "identity given once");
    PBL_FUZZ_CHECK(CertificateKeyOk(p.certificate_key, c.dev_plaintext) &&
                       (p.certificate_key.empty() || Once(keys, p.certificate_key)),
                   "peer certificate key valid, given once, required with TLS");
    absl::StatusOr<crypto::VerifierKey> key = crypto::ParseVerifierKey(p.verifier_key);
    PBL_FUZZ_CHECK(key.ok() && key->type == crypto::kSignatureTypeEd25519, "Ed25519 peer key");
    PBL_FUZZ_CHECK(!p.address.empty() && !p.address.ends_with(":0"), "a peer address has a port");
    for (const std::string& s : p.schemes) {
      PBL_FUZZ_CHECK(ledger::ParseSchemeId(s).ok() && Once(schemes, s), "peer schemes once");
    }
  }
}

void CheckAccepted(const NodeConfig& c) {
  std::set<std::string> ids = {c.node_id};
  std::set<std::string> names;
  std::set<std::string> keys;
  std::set<std::string> schemes;
  PBL_FUZZ_CHECK(NodeIdOk(c.node_id), "node id of 1-32 [a-z0-9-]");
  PBL_FUZZ_CHECK(crypto::ValidateKeyName(c.origin).ok(), "origin is a key name");
  PBL_FUZZ_CHECK(!c.schemes.empty(), "at least one hosted scheme");
  for (const std::string& s : c.schemes) {
    PBL_FUZZ_CHECK(ledger::ParseSchemeId(s).ok() && Once(&schemes, s), "hosted schemes once");
  }
  CheckPeers(c, &ids, &names, &keys, &schemes);
  for (const auto* list : {&c.administrators, &c.auditors}) {
    for (const AccessIdentity& id : *list) {
      PBL_FUZZ_CHECK(CommonNameOk(id.name) && Once(&names, id.name), "role names given once");
      PBL_FUZZ_CHECK(CertificateKeyOk(id.certificate_key, c.dev_plaintext) &&
                         (id.certificate_key.empty() || Once(&keys, id.certificate_key)),
                     "role certificate key valid, given once, required with TLS");
    }
  }
  PBL_FUZZ_CHECK(c.worker_listen.empty() || c.worker_listen != c.listen || c.listen.ends_with(":0"),
                 "the two listeners differ");
  PBL_FUZZ_CHECK(c.open_transfers_per_peer_max >= 1 && c.open_transfers_per_peer_max <= 1'000'000,
                 "open_transfers_per_peer_max range");
  PBL_FUZZ_CHECK(c.worker_max_message_bytes >= 1024 && c.worker_max_message_bytes <= (1 << 20),
                 "worker_max_message_bytes range");
  for (const int32_t bytes : {c.listen_memory_bytes, c.worker_memory_bytes}) {
    PBL_FUZZ_CHECK(bytes >= (4 << 20) && bytes <= (1 << 30), "memory quota range");
  }
  for (const int32_t threads : {c.listen_threads_max, c.worker_threads_max}) {
    PBL_FUZZ_CHECK(threads >= 2 && threads <= 1024, "thread quota range");
  }
  PBL_FUZZ_CHECK(c.max_batch_entries >= 1 &&
                     c.max_batch_entries <= static_cast<int32_t>(ledger::kBatchEntriesMax),
                 "max_batch_entries range");
  PBL_FUZZ_CHECK(c.max_message_bytes >= (1 << 20) && c.max_message_bytes <= (256 << 20),
                 "max_message_bytes range");
  PBL_FUZZ_CHECK(c.transfer_deadline_seconds >= 1 && c.transfer_deadline_seconds <= 30 * 86'400,
                 "transfer_deadline_seconds range");
  PBL_FUZZ_CHECK(
      c.prepare_deadline_max_seconds >= 60 && c.prepare_deadline_max_seconds <= 30 * 86'400,
      "prepare_deadline_max_seconds range");
  PBL_FUZZ_CHECK(c.worker_token_max_seconds >= 60 && c.worker_token_max_seconds <= 365 * 86'400,
                 "worker_token_max_seconds range");
  PBL_FUZZ_CHECK(c.tls.has_value() != c.dev_plaintext, "TLS exactly when not dev_plaintext");
  if (c.dev_plaintext) {
    PBL_FUZZ_CHECK(IsLoopbackHost(c.listen), "plaintext only on loopback");
    PBL_FUZZ_CHECK(c.worker_listen.empty() || IsLoopbackHost(c.worker_listen),
                   "plaintext workers' listener only on loopback");
  }
  PBL_FUZZ_CHECK(PathOk(c.data_dir) && PathOk(c.signing_key_file), "paths resolved");
  PBL_FUZZ_CHECK(c.rules_dir.empty() || PathOk(c.rules_dir), "rules_dir resolved");
  if (c.tls) {
    PBL_FUZZ_CHECK(
        PathOk(c.tls->cert_file) && PathOk(c.tls->key_file) && PathOk(c.tls->client_ca_file),
        "TLS paths resolved");
  }
}

void CheckRoundTrip(const NodeConfig& config) {
  const std::string written = WriteNode(config);
  absl::StatusOr<NodeConfig> again =
      ParseNodeConfig(written, std::string(kFile), std::string(kBaseDir));
  PBL_FUZZ_CHECK(again.ok(), "a configuration written back parses");
  PBL_FUZZ_CHECK(WriteNode(*again) == written, "a configuration written back parses unchanged");
}

}  // namespace
}  // namespace pbl::rpc

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pbl::rpc::kBaseDir;
  using pbl::rpc::kFile;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const int64_t lines = static_cast<int64_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  absl::StatusOr<pbl::rpc::NodeConfig> config =
      pbl::rpc::ParseNodeConfig(text, std::string(kFile), std::string(kBaseDir));
  if (!config.ok()) {
    PBL_FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument,
                   "ParseNodeConfig fails with INVALID_ARGUMENT");
    PBL_FUZZ_CHECK(pbl::fuzz::NamesFileLine(pbl::ToStd(config.status().message()), kFile, lines),
                   "a configuration error starts with \"file:line: \", a line of the file");
    return 0;
  }
  pbl::rpc::CheckAccepted(*config);
  pbl::rpc::CheckRoundTrip(*config);
  return 0;
}
