#include "rpc/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/base/strings.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace pbl::rpc {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A verifier key of type `type` for `name`, from a fixed seed so the tests are deterministic.
std::string VerifierKeyFor(std::string_view name, uint8_t seed_byte,
                           uint8_t type = crypto::kSignatureTypeEd25519) {
  std::array<uint8_t, crypto::kEd25519SeedBytes> seed{};
  seed.fill(seed_byte);
  absl::StatusOr<crypto::SigningKey> key = crypto::SigningKey::FromSeed(seed);
  EXPECT_TRUE(key.ok()) << key.status();
  return crypto::FormatVerifierKey(name, type, key->public_key());
}

const std::string& AnhuiKey() {
  static const std::string* const key = new std::string(VerifierKeyFor("pbl.example/anhui", 1));
  return *key;
}
const std::string& BeijingKey() {
  static const std::string* const key = new std::string(VerifierKeyFor("pbl.example/beijing", 2));
  return *key;
}

// Certificate key ids (crypto/certificate_key.h): fixed values, not of any real certificate.
std::string KeyId(char digit) { return "sha256:" + std::string(64, digit); }

// Every key of the format, each on its own line so a test can name a line by its text.
std::string FullConfig() {
  return StrCat(R"(# Shanghai's node.
[node]
id = "shanghai"
origin = "pbl.example/shanghai"
schemes = ["UEBPI-310000", "URRBPI-310000"]
data_dir = "data/shanghai"
listen = "127.0.0.1:7443"
worker_listen = "127.0.0.1:7453"
signing_key = "keys/shanghai.key"
metrics_listen = "127.0.0.1:9464"
rules_dir = "/usr/share/pbl/rules"
master_key = "keys/shanghai.master"
dev_plaintext = false

[tls]
cert = "tls/shanghai.crt"
key = "tls/shanghai.key"
client_ca = "tls/ca.crt"

[[peer]]
id = "anhui"
address = "127.0.0.1:7444"
verifier_key = ")",
                AnhuiKey(), R"("
identity = "node-anhui"
certificate_key = ")",
                KeyId('a'), R"("
schemes = ["UEBPI-340000", "URRBPI-340000"]

[[peer]]
id = "beijing"
address = "[::1]:7445"
verifier_key = ")",
                BeijingKey(), R"("
identity = "node-beijing"
certificate_key = ")",
                KeyId('b'), R"("

[access]
administrators = [
  { name = "admin-shanghai", certificate_key = ")",
                KeyId('c'), R"(" },
  { name = "admin-2", certificate_key = ")",
                KeyId('d'), R"(" },
]
auditors = [{ name = "auditor", certificate_key = ")",
                KeyId('e'), R"(" }]

[limits]
max_batch_entries = 5000
max_message_bytes = 16777216
transfer_deadline_seconds = 600
prepare_deadline_max_seconds = 604800
open_transfers_per_peer_max = 500
worker_token_max_seconds = 86400
listen_memory_bytes = 536870912
listen_threads_max = 32
worker_max_message_bytes = 8192
worker_memory_bytes = 33554432
worker_threads_max = 8
)");
}

// Only the required keys.
constexpr std::string_view kMinimalConfig = R"([node]
id = "shanghai"
origin = "pbl.example/shanghai"
schemes = ["UEBPI-310000"]
data_dir = "data"
listen = "0.0.0.0:7443"
signing_key = "node.key"

[tls]
cert = "tls/node.crt"
key = "tls/node.key"
client_ca = "tls/ca.crt"
)";

// The 1-based line of the first occurrence of `needle` in `text`.
int LineOf(std::string_view text, std::string_view needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  int line = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

// `text` with the first `from` replaced by `to`.
std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

absl::StatusOr<NodeConfig> Parse(std::string_view text) {
  return ParseNodeConfig(text, "node.toml", "/etc/pbl");
}

// Every field, so that two configs compare by their descriptions. The structured bindings
// stop compiling when a field is added, so a new field cannot be left out.
std::string Describe(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const std::string& item : list) StrAppend(&out, out.size() > 1 ? ", " : "", item);
  return out + "]";
}
std::string Describe(const TlsConfig& tls) {
  const auto& [cert, key, client_ca] = tls;
  return StrCat("{cert=", cert, " key=", key, " client_ca=", client_ca, "}");
}
std::string Describe(const PeerConfig& peer) {
  const auto& [id, address, verifier_key, identity, certificate_key, schemes] = peer;
  return StrCat("{id=", id, " address=", address, " verifier_key=", verifier_key,
                " identity=", identity, " certificate_key=", certificate_key,
                " schemes=", Describe(schemes), "}");
}
std::string Describe(const std::vector<AccessIdentity>& list) {
  std::string out = "[";
  for (const auto& [name, certificate_key] : list) {
    StrAppend(&out, out.size() > 1 ? ", " : "", name, "=", certificate_key);
  }
  return out + "]";
}
std::string Describe(const NodeConfig& c) {
  const auto& [node_id, origin, schemes, data_dir, listen, worker_listen, signing_key_file,
               metrics_listen, rules_dir, master_key_file, tls, dev_plaintext, peers,
               administrators, auditors, max_batch_entries, max_message_bytes,
               transfer_deadline_seconds, prepare_deadline_max_seconds, open_transfers_per_peer_max,
               worker_token_max_seconds, listen_memory_bytes, listen_threads_max,
               worker_max_message_bytes, worker_memory_bytes, worker_threads_max] = c;
  std::string out =
      StrCat("node_id=", node_id, "\norigin=", origin, "\nschemes=", Describe(schemes),
             "\ndata_dir=", data_dir, "\nlisten=", listen, "\nworker_listen=", worker_listen,
             "\nsigning_key_file=", signing_key_file, "\nmetrics_listen=", metrics_listen,
             "\nrules_dir=", rules_dir, "\nmaster_key_file=", master_key_file);
  StrAppend(&out, "\ntls=", tls ? Describe(*tls) : "none", "\ndev_plaintext=", dev_plaintext);
  for (const PeerConfig& peer : peers) StrAppend(&out, "\npeer=", Describe(peer));
  StrAppend(&out, "\nadministrators=", Describe(administrators), "\nauditors=", Describe(auditors),
            "\nmax_batch_entries=", max_batch_entries, "\nmax_message_bytes=", max_message_bytes,
            "\ntransfer_deadline_seconds=", transfer_deadline_seconds,
            "\nprepare_deadline_max_seconds=", prepare_deadline_max_seconds,
            "\nopen_transfers_per_peer_max=", open_transfers_per_peer_max,
            "\nworker_token_max_seconds=", worker_token_max_seconds,
            "\nlisten_memory_bytes=", listen_memory_bytes,
            "\nlisten_threads_max=", listen_threads_max,
            "\nworker_max_message_bytes=", worker_max_message_bytes,
            "\nworker_memory_bytes=", worker_memory_bytes,
            "\nworker_threads_max=", worker_threads_max, "\n");
  return out;
}

TEST(NodeConfigTest, FullConfigParsesToEveryField) {
  NodeConfig want;
  want.node_id = "shanghai";
  want.origin = "pbl.example/shanghai";
  want.schemes = {"UEBPI-310000", "URRBPI-310000"};
  want.data_dir = "/etc/pbl/data/shanghai";
  want.listen = "127.0.0.1:7443";
  want.worker_listen = "127.0.0.1:7453";
  want.signing_key_file = "/etc/pbl/keys/shanghai.key";
  want.metrics_listen = "127.0.0.1:9464";
  want.rules_dir = "/usr/share/pbl/rules";  // absolute: not resolved
  want.master_key_file = "/etc/pbl/keys/shanghai.master";
  want.tls =
      TlsConfig{"/etc/pbl/tls/shanghai.crt", "/etc/pbl/tls/shanghai.key", "/etc/pbl/tls/ca.crt"};
  want.dev_plaintext = false;
  want.peers = {
      PeerConfig{"anhui",
                 "127.0.0.1:7444",
                 AnhuiKey(),
                 "node-anhui",
                 KeyId('a'),
                 {"UEBPI-340000", "URRBPI-340000"}},
      PeerConfig{"beijing", "[::1]:7445", BeijingKey(), "node-beijing", KeyId('b'), {}},
  };
  want.administrators = {{"admin-shanghai", KeyId('c')}, {"admin-2", KeyId('d')}};
  want.auditors = {{"auditor", KeyId('e')}};
  want.max_batch_entries = 5000;
  want.max_message_bytes = 16 << 20;
  want.transfer_deadline_seconds = 600;
  want.prepare_deadline_max_seconds = 7 * 86'400;
  want.open_transfers_per_peer_max = 500;
  want.worker_token_max_seconds = 86'400;
  want.listen_memory_bytes = 512 << 20;
  want.listen_threads_max = 32;
  want.worker_max_message_bytes = 8 << 10;
  want.worker_memory_bytes = 32 << 20;
  want.worker_threads_max = 8;

  ASSERT_OK_AND_ASSIGN(const NodeConfig got, Parse(FullConfig()));
  EXPECT_EQ(Describe(got), Describe(want));
}

TEST(NodeConfigTest, MinimalConfigGetsTheDefaults) {
  NodeConfig want;
  want.node_id = "shanghai";
  want.origin = "pbl.example/shanghai";
  want.schemes = {"UEBPI-310000"};
  want.data_dir = "/etc/pbl/data";
  want.listen = "0.0.0.0:7443";
  want.signing_key_file = "/etc/pbl/node.key";
  want.tls = TlsConfig{"/etc/pbl/tls/node.crt", "/etc/pbl/tls/node.key", "/etc/pbl/tls/ca.crt"};

  ASSERT_OK_AND_ASSIGN(const NodeConfig got, Parse(kMinimalConfig));
  EXPECT_EQ(Describe(got), Describe(want));
  EXPECT_EQ(got.max_batch_entries, 10'000);
  EXPECT_EQ(got.max_message_bytes, 64 << 20);
  EXPECT_EQ(got.transfer_deadline_seconds, 900);
  EXPECT_EQ(got.worker_token_max_seconds, 30 * 86'400);
  EXPECT_EQ(got.worker_listen, "");
  EXPECT_EQ(got.worker_max_message_bytes, 16 << 10);
  EXPECT_EQ(got.worker_memory_bytes, 16 << 20);
  EXPECT_EQ(got.listen_memory_bytes, 1 << 30);
}

TEST(NodeConfigTest, EmptyOptionalStringsMeanNone) {
  const std::string text = Replace(std::string(kMinimalConfig), "signing_key = \"node.key\"\n",
                                   "signing_key = \"node.key\"\nmetrics_listen = \"\"\n"
                                   "rules_dir = \"\"\n");
  ASSERT_OK_AND_ASSIGN(const NodeConfig got, Parse(text));
  EXPECT_EQ(got.metrics_listen, "");
  EXPECT_EQ(got.rules_dir, "");
}

TEST(NodeConfigTest, EmptyBaseDirLeavesPathsRelative) {
  ASSERT_OK_AND_ASSIGN(const NodeConfig got, ParseNodeConfig(kMinimalConfig, "node.toml", ""));
  EXPECT_EQ(got.data_dir, "data");
  EXPECT_EQ(got.tls->client_ca_file, "tls/ca.crt");
}

TEST(NodeConfigTest, PlaintextOnLoopbackNeedsNoTls) {
  std::string text = Replace(std::string(kMinimalConfig), "0.0.0.0:7443", "[::1]:7443");
  text = Replace(text, "signing_key = \"node.key\"\n",
                 "signing_key = \"node.key\"\ndev_plaintext = true\n");
  text = text.substr(0, text.find("[tls]"));
  ASSERT_OK_AND_ASSIGN(const NodeConfig got, Parse(text));
  EXPECT_TRUE(got.dev_plaintext);
  EXPECT_FALSE(got.tls.has_value());
}

TEST(NodeConfigTest, PlaintextIdentitiesNeedNoCertificateKeys) {
  std::string text = Replace(std::string(kMinimalConfig), "0.0.0.0:7443", "127.0.0.1:7443");
  text = Replace(text, "signing_key = \"node.key\"\n",
                 "signing_key = \"node.key\"\nworker_listen = \"127.0.0.1:0\"\n"
                 "dev_plaintext = true\n");
  text = text.substr(0, text.find("[tls]")) + "[access]\nadministrators = [{ name = \"admin\" }]\n";
  ASSERT_OK_AND_ASSIGN(const NodeConfig got, Parse(text));
  ASSERT_EQ(got.administrators.size(), 1u);
  EXPECT_EQ(got.administrators[0].name, "admin");
  EXPECT_EQ(got.administrators[0].certificate_key, "");
  // The workers' listener is plaintext too, so it must be on loopback as well.
  EXPECT_THAT(
      Parse(Replace(text, "worker_listen = \"127.0.0.1:0\"", "worker_listen = \"0.0.0.0:0\"")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("node.worker_listen")));
}

TEST(NodeConfigTest, PlaintextOnAllAddressesIsRefused) {
  std::string text = Replace(std::string(kMinimalConfig), "signing_key = \"node.key\"\n",
                             "signing_key = \"node.key\"\ndev_plaintext = true\n");
  text = text.substr(0, text.find("[tls]"));
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(StrCat("node.toml:", LineOf(text, "dev_plaintext"), ": ")),
                             HasSubstr("node.dev_plaintext"), HasSubstr("0.0.0.0:7443"))));
}

// Faults are injected by the test daemon pbld_faulty (tests/testing), never configured: a
// [testing] table is an unknown table like any other, on a loopback address too.
TEST(NodeConfigTest, ATestingTableIsRefusedAsUnknown) {
  const std::string text =
      StrCat(Replace(std::string(kMinimalConfig), "0.0.0.0:7443", "127.0.0.1:7443"),
             "\n[testing]\nfault_seed = 1\ndrop_request_percent = 50\n");
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(StrCat("node.toml:", LineOf(text, "[testing]"), ": ")),
                             HasSubstr("testing"))));
}

TEST(NodeConfigTest, PeerAsAPlainTableIsRefused) {
  const std::string text = StrCat(kMinimalConfig, "\n[peer]\nid = \"anhui\"\n");
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(StrCat("node.toml:", LineOf(text, "[peer]"), ": ")),
                             HasSubstr("peer must be an array"))));
}

TEST(NodeConfigTest, LoadResolvesPathsAgainstTheFilesFolder) {
  const std::filesystem::path dir = pbl::testing::FreshTestDir("config");
  const std::filesystem::path file = dir / "node.toml";
  std::ofstream(file) << kMinimalConfig;
  ASSERT_OK_AND_ASSIGN(const NodeConfig got, LoadNodeConfig(file.string()));
  EXPECT_EQ(got.data_dir, (dir / "data").string());
  EXPECT_EQ(got.signing_key_file, (dir / "node.key").string());
  ASSERT_TRUE(got.tls.has_value());
  EXPECT_EQ(got.tls->cert_file, (dir / "tls/node.crt").string());
  std::filesystem::remove_all(dir);
}

TEST(NodeConfigTest, LoadNamesTheFileInErrors) {
  const std::filesystem::path dir = pbl::testing::FreshTestDir("config");
  const std::filesystem::path file = dir / "node.toml";
  std::ofstream(file) << Replace(std::string(kMinimalConfig), "id = \"shanghai\"", "id = 7");
  EXPECT_THAT(LoadNodeConfig(file.string()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(StrCat(file.string(), ":2: ")), HasSubstr("node.id"))));
  std::filesystem::remove_all(dir);
}

TEST(NodeConfigTest, LoadOfAMissingFileIsNotFound) {
  const std::filesystem::path dir = pbl::testing::FreshTestDir("config");
  EXPECT_THAT(LoadNodeConfig((dir / "absent.toml").string()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(LoadNodeConfig(dir.string()), StatusIs(absl::StatusCode::kNotFound));
  std::filesystem::remove_all(dir);
}

TEST(NodeConfigTest, LoopbackHosts) {
  for (std::string_view host_port :
       {"127.0.0.1:7443", "127.255.3.9:0", "127.0.0.1:65535", "[::1]:443", "localhost:80"}) {
    EXPECT_TRUE(IsLoopbackHost(host_port)) << host_port;
  }
}

TEST(NodeConfigTest, NonLoopbackHosts) {
  for (std::string_view host_port : {"0.0.0.0:7443",
                                     "128.0.0.1:1",
                                     "10.127.0.1:1",
                                     "127.0.0.1",
                                     "127.0.0.1:",
                                     "127.0.0.1:x",
                                     "127.0.0.1:65536",
                                     "127.0.0.256:1",
                                     "127.0.0.01:1",
                                     "127.0.1:1",
                                     "127.0.0.1.5:1",
                                     "[::2]:1",
                                     "[::]:1",
                                     "::1:80",
                                     "[::1]80",
                                     "localhost",
                                     "localhost.example:1",
                                     "127.0.0.1.example:1",
                                     "",
                                     ":80"}) {
    EXPECT_FALSE(IsLoopbackHost(host_port)) << host_port;
  }
}

// A refused edit of FullConfig(): the error must be INVALID_ARGUMENT at "node.toml:LINE: ",
// where LINE is that of `line_text` in the edited file, and must name `key`.
struct Refusal {
  std::string name;
  std::string from;
  std::string to;
  std::string line_text;
  std::string key;
};

void PrintTo(const Refusal& refusal, std::ostream* out) { *out << refusal.name; }

class NodeConfigRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(NodeConfigRefusalTest, IsInvalidArgumentAtTheLineNamingTheKey) {
  const Refusal& r = GetParam();
  const std::string text = Replace(FullConfig(), r.from, r.to);
  const int line = r.line_text.empty() ? 1 : LineOf(text, r.line_text);
  EXPECT_THAT(Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(StrCat("node.toml:", line, ": ")), HasSubstr(r.key))));
}

std::vector<Refusal> Refusals() {
  const std::string node_line = "id = \"shanghai\"\n";
  const std::string limits = "[limits]\n";
  const std::string peer2 = "id = \"beijing\"\n";
  return {
      // Syntax, unknown keys and types.
      {"syntax_error", "listen = \"127.0.0.1:7443\"", "listen = 127.0.0.1:7443",
       "listen =", "TOML syntax error"},
      {"unknown_top_key", "# Shanghai's node.", "colour = \"blue\"", "colour", "colour"},
      {"unknown_node_key", node_line, node_line + "name = \"x\"\n", "name = ", "node.name"},
      {"unknown_tls_key", "client_ca = \"tls/ca.crt\"\n",
       "client_ca = \"tls/ca.crt\"\ncrl = \"x\"\n", "crl", "tls.crl"},
      {"unknown_peer_key", peer2, peer2 + "port = 1\n", "port =", "peer[1].port"},
      {"unknown_access_key", "\n\n[limits]", "\nreaders = []\n\n[limits]", "readers",
       "access.readers"},
      {"unknown_limits_key", limits, limits + "max_peers = 3\n", "max_peers", "limits.max_peers"},
      {"unknown_table", "[access]", "[acess]", "[acess]", "acess"},
      {"master_key_inside_data_dir", "master_key = \"keys/shanghai.master\"",
       "master_key = \"data/shanghai/master.key\"", "master_key =", "inside node.data_dir"},
      {"master_key_is_the_data_dir", "master_key = \"keys/shanghai.master\"",
       "master_key = \"keys/../data/shanghai/\"", "master_key =", "inside node.data_dir"},
      {"node_not_a_table", "[node]\n", "[[node]]\n", "[[node]]", "node must be a table"},
      {"id_not_a_string", node_line, "id = 7\n", "id = 7", "node.id"},
      {"integer_as_float", "max_batch_entries = 5000", "max_batch_entries = 5000.0",
       "max_batch_entries", "limits.max_batch_entries"},
      {"integer_as_string", "max_batch_entries = 5000", "max_batch_entries = \"5000\"",
       "max_batch_entries", "limits.max_batch_entries"},
      {"bool_as_string", "dev_plaintext = false", "dev_plaintext = \"no\"", "dev_plaintext",
       "node.dev_plaintext"},
      // [node]
      {"missing_id", node_line, "", "[node]", "node.id"},
      {"missing_origin", "origin = \"pbl.example/shanghai\"\n", "", "[node]", "node.origin"},
      {"missing_schemes", "schemes = [\"UEBPI-310000\", \"URRBPI-310000\"]\n", "", "[node]",
       "node.schemes"},
      {"missing_data_dir", "data_dir = \"data/shanghai\"\n", "", "[node]", "node.data_dir"},
      {"missing_listen", "listen = \"127.0.0.1:7443\"\n", "", "[node]", "node.listen"},
      {"missing_signing_key", "signing_key = \"keys/shanghai.key\"\n", "", "[node]",
       "node.signing_key"},
      {"empty_id", node_line, "id = \"\"\n", "id = \"\"", "node.id"},
      {"id_upper_case", node_line, "id = \"Shanghai\"\n", "id = \"Shanghai\"", "node.id"},
      {"id_too_long", node_line, StrCat("id = \"", std::string(33, 'a'), "\"\n"), "aaaa",
       "node.id"},
      {"origin_with_plus", "pbl.example/shanghai\"", "pbl.example+shanghai\"", "origin",
       "node.origin"},
      {"origin_with_space", "pbl.example/shanghai\"", "pbl example\"", "origin", "node.origin"},
      {"origin_empty", "origin = \"pbl.example/shanghai\"", "origin = \"\"", "origin",
       "node.origin"},
      {"schemes_empty", "[\"UEBPI-310000\", \"URRBPI-310000\"]", "[]", "schemes = []",
       "node.schemes"},
      {"schemes_not_an_array", "[\"UEBPI-310000\", \"URRBPI-310000\"]", "\"UEBPI-310000\"",
       "schemes", "node.schemes"},
      {"scheme_invalid", "\"URRBPI-310000\"]", "\"URRBPI-31000\"]", "URRBPI-31000",
       "node.schemes[1]"},
      {"scheme_duplicate", "\"URRBPI-310000\"]", "\"UEBPI-310000\"]", "schemes", "node.schemes[1]"},
      {"scheme_not_a_string", "\"URRBPI-310000\"]", "310000]", "schemes", "node.schemes[1]"},
      {"data_dir_not_a_string", "data_dir = \"data/shanghai\"", "data_dir = 1", "data_dir",
       "node.data_dir"},
      {"data_dir_control_character", "data_dir = \"data/shanghai\"", "data_dir = \"data\\n\"",
       "data_dir", "node.data_dir"},
      {"listen_without_port", "listen = \"127.0.0.1:7443\"", "listen = \"127.0.0.1\"", "listen",
       "node.listen"},
      {"listen_port_too_big", "listen = \"127.0.0.1:7443\"", "listen = \"127.0.0.1:65536\"",
       "listen", "node.listen"},
      {"listen_ipv6_unbracketed", "listen = \"127.0.0.1:7443\"", "listen = \"::1:7443\"", "listen",
       "node.listen"},
      {"listen_empty_host", "listen = \"127.0.0.1:7443\"", "listen = \":7443\"", "listen",
       "node.listen"},
      {"metrics_listen_invalid", "127.0.0.1:9464", "127.0.0.1:metrics", "metrics_listen",
       "node.metrics_listen"},
      {"plaintext_with_tls", "dev_plaintext = false", "dev_plaintext = true", "[tls]", "tls"},
      // [tls]
      {"missing_tls",
       "[tls]\ncert = \"tls/shanghai.crt\"\nkey = \"tls/shanghai.key\"\n"
       "client_ca = \"tls/ca.crt\"\n",
       "", "", "tls"},
      {"missing_tls_cert", "cert = \"tls/shanghai.crt\"\n", "", "[tls]", "tls.cert"},
      {"missing_tls_key", "key = \"tls/shanghai.key\"\n", "", "[tls]", "tls.key"},
      {"missing_tls_client_ca", "client_ca = \"tls/ca.crt\"\n", "", "[tls]", "tls.client_ca"},
      // [[peer]]
      {"peer_missing_id", "id = \"anhui\"\n", "", "[[peer]]", "peer[0].id"},
      {"peer_missing_address", "address = \"127.0.0.1:7444\"\n", "", "[[peer]]", "peer[0].address"},
      {"peer_missing_verifier_key", "verifier_key = \"" + AnhuiKey() + "\"\n", "", "[[peer]]",
       "peer[0].verifier_key"},
      {"peer_missing_identity", "identity = \"node-anhui\"\n", "", "[[peer]]", "peer[0].identity"},
      {"peer_id_invalid", "id = \"anhui\"", "id = \"an hui\"", "an hui", "peer[0].id"},
      {"peer_id_is_node_id", "id = \"anhui\"", "id = \"shanghai\"", "id = \"shanghai\"\naddress",
       "peer[0].id"},
      {"peer_id_duplicate", "id = \"beijing\"", "id = \"anhui\"",
       "id = \"anhui\"\naddress = "
       "\"[::1]",
       "peer[1].id"},
      {"peer_address_port_zero", "address = \"127.0.0.1:7444\"", "address = \"127.0.0.1:0\"",
       "address = \"127.0.0.1:0\"", "peer[0].address"},
      {"peer_verifier_key_malformed", AnhuiKey(), "pbl.example/anhui+1234abcd+AbCd", "verifier_key",
       "peer[0].verifier_key"},
      {"peer_verifier_key_wrong_id", AnhuiKey(), Replace(AnhuiKey(), "+", "x+"), "verifier_key",
       "peer[0].verifier_key"},
      {"peer_verifier_key_not_ed25519", AnhuiKey(),
       VerifierKeyFor("pbl.example/anhui", 1, crypto::kSignatureTypeCosignatureV1), "verifier_key",
       "peer[0].verifier_key"},
      {"peer_identity_empty", "identity = \"node-anhui\"", "identity = \"\"", "identity",
       "peer[0].identity"},
      {"peer_identity_not_printable", "identity = \"node-anhui\"", "identity = \"node\\tanhui\"",
       "identity", "peer[0].identity = \"node\\x09anhui\""},
      {"peer_identity_too_long", "identity = \"node-anhui\"",
       StrCat("identity = \"", std::string(65, 'n'), "\""), "identity", "peer[0].identity"},
      {"peer_identity_duplicate", "identity = \"node-beijing\"", "identity = \"node-anhui\"",
       "identity = \"node-anhui\"\ncertificate_key = \"" + KeyId('b'), "peer[1].identity"},
      {"peer_hosts_a_node_scheme", "[\"UEBPI-340000\", ", "[\"URRBPI-310000\", ",
       "[\"URRBPI-310000\", \"URRBPI-340000", "peer[0].schemes[0]"},
      {"peer_scheme_invalid", "[\"UEBPI-340000\", ", "[\"XX-340000\", ", "XX-340000",
       "peer[0].schemes[0]"},
      {"peer_scheme_duplicate", "\"URRBPI-340000\"]", "\"UEBPI-340000\"]",
       "[\"UEBPI-340000\", \"UEBPI-340000\"]", "peer[0].schemes[1]"},
      {"peers_host_the_same_scheme", "identity = \"node-beijing\"\n",
       "identity = \"node-beijing\"\nschemes = [\"UEBPI-340000\"]\n",
       "schemes = [\"UEBPI-340000\"]", "peer[1].schemes[0]"},
      // [access]
      {"administrator_is_auditor", "{ name = \"auditor\"", "{ name = \"admin-2\"", "auditors",
       "access.auditors[0].name"},
      {"administrator_is_peer", "{ name = \"admin-shanghai\"", "{ name = \"node-anhui\"",
       "{ name = \"node-anhui\"", "access.administrators[0].name"},
      {"auditor_is_peer", "{ name = \"auditor\"", "{ name = \"node-beijing\"", "auditors",
       "access.auditors[0].name"},
      {"administrator_duplicate", "{ name = \"admin-2\"", "{ name = \"admin-shanghai\"",
       "certificate_key = \"" + KeyId('d'), "access.administrators[1].name"},
      {"administrator_empty", "{ name = \"admin-2\"", "{ name = \"\"",
       "certificate_key = \"" + KeyId('d'), "access.administrators[1].name"},
      {"auditors_not_an_array",
       "auditors = [{ name = \"auditor\", certificate_key = \"" + KeyId('e') + "\" }]",
       "auditors = \"auditor\"", "auditors", "access.auditors"},
      {"auditor_not_a_table",
       "auditors = [{ name = \"auditor\", certificate_key = \"" + KeyId('e') + "\" }]",
       "auditors = [\"auditor\"]", "auditors", "access.auditors[0] must be a table"},
      {"administrator_unknown_key", "{ name = \"admin-2\",", "{ name = \"admin-2\", cn = \"x\",",
       "admin-2", "access.administrators[1].cn"},
      // Certificate keys.
      {"peer_missing_certificate_key", "certificate_key = \"" + KeyId('a') + "\"\n", "", "[[peer]]",
       "peer[0].certificate_key is missing"},
      {"administrator_missing_certificate_key", ", certificate_key = \"" + KeyId('d') + "\"", "",
       "admin-2", "access.administrators[1].certificate_key is missing"},
      {"certificate_key_upper_case", KeyId('a'), "sha256:" + std::string(64, 'A'),
       "certificate_key", "peer[0].certificate_key"},
      {"certificate_key_short", KeyId('a'), "sha256:" + std::string(63, 'a'), "certificate_key",
       "peer[0].certificate_key"},
      {"certificate_key_no_prefix", KeyId('a'), std::string(64, 'a'), "certificate_key",
       "peer[0].certificate_key"},
      {"certificate_key_of_two_peers", KeyId('b'), KeyId('a'),
       "certificate_key = \"" + KeyId('a') + "\"\n\n[access]", "peer[1].certificate_key"},
      {"certificate_key_of_peer_and_auditor", "certificate_key = \"" + KeyId('e'),
       "certificate_key = \"" + KeyId('a'), "{ name = \"auditor\"",
       "access.auditors[0].certificate_key"},
      // worker_listen
      {"worker_listen_invalid", "127.0.0.1:7453", "127.0.0.1", "worker_listen",
       "node.worker_listen"},
      {"worker_listen_is_listen", "127.0.0.1:7453", "127.0.0.1:7443", "worker_listen",
       "node.worker_listen"},
      // [limits]
      {"batch_entries_zero", "max_batch_entries = 5000", "max_batch_entries = 0",
       "max_batch_entries", "limits.max_batch_entries"},
      {"batch_entries_too_many", "max_batch_entries = 5000", "max_batch_entries = 10001",
       "max_batch_entries", "limits.max_batch_entries"},
      {"message_bytes_too_few", "max_message_bytes = 16777216", "max_message_bytes = 1048575",
       "max_message_bytes", "limits.max_message_bytes"},
      {"message_bytes_too_many", "max_message_bytes = 16777216", "max_message_bytes = 268435457",
       "max_message_bytes", "limits.max_message_bytes"},
      {"transfer_deadline_zero", "transfer_deadline_seconds = 600", "transfer_deadline_seconds = 0",
       "transfer_deadline", "limits.transfer_deadline_seconds"},
      {"transfer_deadline_too_long", "transfer_deadline_seconds = 600",
       "transfer_deadline_seconds = 2592001", "transfer_deadline",
       "limits.transfer_deadline_seconds"},
      {"prepare_deadline_too_short", "prepare_deadline_max_seconds = 604800",
       "prepare_deadline_max_seconds = 59", "prepare_deadline",
       "limits.prepare_deadline_max_seconds"},
      {"prepare_deadline_too_long", "prepare_deadline_max_seconds = 604800",
       "prepare_deadline_max_seconds = 2592001", "prepare_deadline",
       "limits.prepare_deadline_max_seconds"},
      {"worker_token_too_short", "worker_token_max_seconds = 86400",
       "worker_token_max_seconds = 59", "worker_token", "limits.worker_token_max_seconds"},
      {"worker_token_too_long", "worker_token_max_seconds = 86400",
       "worker_token_max_seconds = 31536001", "worker_token", "limits.worker_token_max_seconds"},
      {"listen_memory_too_small", "listen_memory_bytes = 536870912", "listen_memory_bytes = 1024",
       "listen_memory_bytes", "limits.listen_memory_bytes"},
      {"listen_threads_too_few", "listen_threads_max = 32", "listen_threads_max = 1",
       "listen_threads_max", "limits.listen_threads_max"},
      {"worker_message_too_small", "worker_max_message_bytes = 8192",
       "worker_max_message_bytes = 1023", "worker_max_message", "limits.worker_max_message_bytes"},
      {"worker_message_too_big", "worker_max_message_bytes = 8192",
       "worker_max_message_bytes = 1048577", "worker_max_message",
       "limits.worker_max_message_bytes"},
      {"worker_memory_too_big", "worker_memory_bytes = 33554432",
       "worker_memory_bytes = 1073741825", "worker_memory", "limits.worker_memory_bytes"},
      {"worker_threads_too_many", "worker_threads_max = 8", "worker_threads_max = 1025",
       "worker_threads", "limits.worker_threads_max"},
      {"open_transfers_zero", "open_transfers_per_peer_max = 500",
       "open_transfers_per_peer_max = 0", "open_transfers", "limits.open_transfers_per_peer_max"},
      {"limit_beyond_int64", "worker_token_max_seconds = 86400",
       "worker_token_max_seconds = 99999999999999999999", "worker_token", "TOML syntax error"},
  };
}

INSTANTIATE_TEST_SUITE_P(Refusals, NodeConfigRefusalTest, ::testing::ValuesIn(Refusals()),
                         [](const ::testing::TestParamInfo<Refusal>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace pbl::rpc
