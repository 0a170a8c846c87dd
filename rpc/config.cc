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
#include "crypto/note.h"
#include "crypto/status_macros.h"
#include "crypto/strings.h"
#include "ledger/log_format.h"
#include "ledger/scheme.h"

namespace pbl::rpc {

namespace {

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
constexpr size_t kShownValueBytesMax = 64;

constexpr int64_t kPortMax = 65535;
constexpr int64_t kDaySeconds = 86'400;
constexpr int64_t kBatchEntriesMax = static_cast<int64_t>(ledger::kBatchEntriesMax);
constexpr int64_t kMessageBytesMin = int64_t{1} << 20;
constexpr int64_t kMessageBytesMax = int64_t{256} << 20;
constexpr int64_t kTransferDeadlineSecondsMax = 30 * kDaySeconds;
constexpr int64_t kWorkerTokenSecondsMin = 60;
constexpr int64_t kWorkerTokenSecondsMax = 365 * kDaySeconds;
constexpr int64_t kPercentMax = 100;
constexpr int64_t kDelayMsMax = 10'000;

int LineOf(const toml::source_region& region) { return static_cast<int>(region.begin.line); }

absl::Status ErrorAt(std::string_view file, int line, std::string_view message) {
  return absl::InvalidArgumentError(StrCat(file, ":", line, ": ", message));
}

// A value from the file for an error message: quoted, cut short, control characters escaped.
std::string Quote(std::string_view value) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out = "\"";
  for (char c : value.substr(0, kShownValueBytesMax)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '"' || c == '\\') {
      StrAppend(&out, "\\x", kHex[byte >> 4], kHex[byte & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  return StrCat(out, value.size() > kShownValueBytesMax ? "\"..." : "\"");
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// One string of an array, with its dotted name ("node.schemes[1]") and line.
struct Item {
  std::string value;
  std::string name;
  int line = 0;
};

// One TOML table of the file, read with typed getters whose errors name the file, the line and
// the dotted key ("peer[1].address"). A null table stands for an absent optional table: it has
// no keys, and a missing key is reported at `line`, the line of the table's parent.
class TableReader {
 public:
  TableReader(std::string_view file, const toml::table* table, int line, std::string path)
      : file_(file), table_(table), line_(line), path_(std::move(path)) {}

  std::string_view file() const { return file_; }
  int line() const { return line_; }

  // The dotted name of `key` in this table.
  std::string Name(std::string_view key) const {
    return path_.empty() ? std::string(key) : StrCat(path_, ".", key);
  }
  // The line of `key`, or of the table when the key is absent.
  int Line(std::string_view key) const {
    const toml::node* node = Find(key);
    return node ? LineOf(node->source()) : line_;
  }
  // An error at the line of `key` that starts with its dotted name.
  absl::Status Error(std::string_view key, std::string_view message) const {
    return ErrorAt(file_, Line(key), StrCat(Name(key), " ", message));
  }

  // Refuses any key not in `allowed`.
  absl::Status CheckKeys(std::initializer_list<std::string_view> allowed) const;

  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  absl::StatusOr<int64_t> Int(std::string_view key, int64_t min, int64_t max) const;
  absl::StatusOr<bool> Bool(std::string_view key) const;
  // A string of 1..max_bytes bytes.
  absl::StatusOr<std::string> String(std::string_view key, size_t max_bytes) const;
  // A string of 0..max_bytes bytes; empty when the key is absent.
  absl::StatusOr<std::string> StringOrEmpty(std::string_view key, size_t max_bytes) const;
  // An array of at most max_items strings, each of at most max_bytes bytes (maybe empty).
  absl::StatusOr<std::vector<Item>> StringList(std::string_view key, size_t max_items,
                                               size_t max_bytes) const;
  absl::StatusOr<TableReader> Table(std::string_view key) const;
  // A table that may be absent: then a reader of no keys.
  absl::StatusOr<TableReader> OptionalTable(std::string_view key) const;
  // An array of tables ([[key]]) of at most max_items tables.
  absl::StatusOr<std::vector<TableReader>> TableArray(std::string_view key, size_t max_items) const;

 private:
  const toml::node* Find(std::string_view key) const { return table_ ? table_->get(key) : nullptr; }
  absl::StatusOr<const toml::node*> Require(std::string_view key) const;
  absl::StatusOr<const toml::array*> Array(std::string_view key, size_t max_items) const;
  absl::Status WrongType(std::string_view key, const toml::node& node,
                         std::string_view wanted) const {
    return Error(key, StrCat("must be ", wanted, ", not ", TypeName(node)));
  }

  std::string_view file_;
  const toml::table* table_;
  int line_;
  std::string path_;
};

absl::Status TableReader::CheckKeys(std::initializer_list<std::string_view> allowed) const {
  if (table_ == nullptr) return absl::OkStatus();
  // The table iterates in key order; report the unknown key that comes first in the file.
  const toml::key* unknown = nullptr;
  for (auto&& [key, node] : *table_) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    if (unknown == nullptr || key.source().begin.line < unknown->source().begin.line) {
      unknown = &key;
    }
  }
  if (unknown == nullptr) return absl::OkStatus();
  std::string expected;
  for (std::string_view name : allowed) StrAppend(&expected, expected.empty() ? "" : ", ", name);
  return ErrorAt(file_, LineOf(unknown->source()),
                 StrCat("unknown key ", Name(unknown->str()), " (expected ", expected, ")"));
}

absl::StatusOr<const toml::node*> TableReader::Require(std::string_view key) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return ErrorAt(file_, line_, StrCat("missing key ", Name(key)));
  return node;
}

absl::StatusOr<int64_t> TableReader::Int(std::string_view key, int64_t min, int64_t max) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<int64_t>* value = node->as_integer();
  if (value == nullptr) return WrongType(key, *node, "an integer");
  if (value->get() < min || value->get() > max) {
    return Error(key, StrCat("= ", value->get(), " is outside ", min, "..", max));
  }
  return value->get();
}

absl::StatusOr<bool> TableReader::Bool(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<bool>* value = node->as_boolean();
  if (value == nullptr) return WrongType(key, *node, "a boolean (true or false)");
  return value->get();
}

absl::StatusOr<std::string> TableReader::String(std::string_view key, size_t max_bytes) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::value<std::string>* value = node->as_string();
  if (value == nullptr) return WrongType(key, *node, "a string");
  if (value->get().empty()) return Error(key, "is empty");
  if (value->get().size() > max_bytes) {
    return Error(key, StrCat("is longer than ", max_bytes, " bytes"));
  }
  return value->get();
}

absl::StatusOr<std::string> TableReader::StringOrEmpty(std::string_view key,
                                                       size_t max_bytes) const {
  const toml::node* node = Find(key);
  if (node == nullptr || (node->is_string() && node->as_string()->get().empty())) return "";
  return String(key, max_bytes);
}

absl::StatusOr<const toml::array*> TableReader::Array(std::string_view key,
                                                      size_t max_items) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::array* array = node->as_array();
  if (array == nullptr) return WrongType(key, *node, "an array");
  if (array->size() > max_items) {
    return Error(key, StrCat("has more than ", max_items, " items"));
  }
  return array;
}

absl::StatusOr<std::vector<Item>> TableReader::StringList(std::string_view key, size_t max_items,
                                                          size_t max_bytes) const {
  PBL_ASSIGN_OR_RETURN(const toml::array* array, Array(key, max_items));
  std::vector<Item> items;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = (*array)[i];
    Item item{"", StrCat(Name(key), "[", i, "]"), LineOf(node.source())};
    const toml::value<std::string>* value = node.as_string();
    if (value == nullptr) {
      return ErrorAt(file_, item.line,
                     StrCat(item.name, " must be a string, not ", TypeName(node)));
    }
    if (value->get().size() > max_bytes) {
      return ErrorAt(file_, item.line, StrCat(item.name, " is longer than ", max_bytes, " bytes"));
    }
    item.value = value->get();
    items.push_back(std::move(item));
  }
  return items;
}

absl::StatusOr<TableReader> TableReader::Table(std::string_view key) const {
  PBL_ASSIGN_OR_RETURN(const toml::node* node, Require(key));
  const toml::table* table = node->as_table();
  if (table == nullptr) return WrongType(key, *node, "a table");
  return TableReader(file_, table, LineOf(node->source()), Name(key));
}

absl::StatusOr<TableReader> TableReader::OptionalTable(std::string_view key) const {
  if (!Has(key)) return TableReader(file_, nullptr, line_, Name(key));
  return Table(key);
}

absl::StatusOr<std::vector<TableReader>> TableReader::TableArray(std::string_view key,
                                                                 size_t max_items) const {
  PBL_ASSIGN_OR_RETURN(const toml::array* array, Array(key, max_items));
  std::vector<TableReader> tables;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = (*array)[i];
    const std::string name = StrCat(Name(key), "[", i, "]");
    if (!node.is_table()) {
      return ErrorAt(file_, LineOf(node.source()),
                     StrCat(name, " must be a table ([[", key, "]]), not ", TypeName(node)));
    }
    tables.emplace_back(file_, node.as_table(), LineOf(node.source()), name);
  }
  return tables;
}

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

absl::StatusOr<std::string> CommonName(std::string_view file, const Item& item) {
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

  absl::Status Claim(std::string_view file, const Item& item) {
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
};

// A list of valid scheme ids, each claimed.
absl::StatusOr<std::vector<std::string>> Schemes(const TableReader& table, std::string_view key,
                                                 Claims* claims) {
  PBL_ASSIGN_OR_RETURN(const std::vector<Item> items,
                       table.StringList(key, kSchemesMax, kSchemeIdBytesMax));
  std::vector<std::string> schemes;
  for (const Item& item : items) {
    const absl::StatusOr<ledger::SchemeId> parsed = ledger::ParseSchemeId(item.value);
    if (!parsed.ok()) {
      return ErrorAt(table.file(), item.line, StrCat(item.name, ": ", parsed.status().message()));
    }
    PBL_RETURN_IF_ERROR(claims->Claim(table.file(), item));
    schemes.push_back(item.value);
  }
  return schemes;
}

// A list of certificate common names, each claimed; empty when the key is absent.
absl::StatusOr<std::vector<std::string>> CommonNames(const TableReader& table, std::string_view key,
                                                     Claims* claims) {
  if (!table.Has(key)) return std::vector<std::string>();
  PBL_ASSIGN_OR_RETURN(const std::vector<Item> items,
                       table.StringList(key, kAccessNamesMax, kCommonNameBytesMax + 1));
  std::vector<std::string> names;
  for (const Item& item : items) {
    PBL_ASSIGN_OR_RETURN(std::string name, CommonName(table.file(), item));
    PBL_RETURN_IF_ERROR(claims->Claim(table.file(), item));
    names.push_back(std::move(name));
  }
  return names;
}

// --- sections ---

absl::Status ParseNode(const TableReader& node, const std::string& base_dir, AllClaims* claims,
                       NodeConfig* config) {
  PBL_RETURN_IF_ERROR(
      node.CheckKeys({"id", "origin", "schemes", "data_dir", "listen", "signing_key",
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
  PBL_ASSIGN_OR_RETURN(config->signing_key_file, Path(node, "signing_key", base_dir));
  PBL_ASSIGN_OR_RETURN(config->metrics_listen,
                       Address(node, "metrics_listen", /*port_min=*/0, /*empty_ok=*/true));
  PBL_ASSIGN_OR_RETURN(config->rules_dir, Path(node, "rules_dir", base_dir, /*empty_ok=*/true));
  if (node.Has("dev_plaintext")) {
    PBL_ASSIGN_OR_RETURN(config->dev_plaintext, node.Bool("dev_plaintext"));
  }
  if (config->dev_plaintext && !IsLoopbackHost(config->listen)) {
    return node.Error(
        "dev_plaintext",
        StrCat("= true is refused: ", node.Name("listen"), " = ", Quote(config->listen),
               " is not a loopback address (127.x.y.z, [::1] or localhost)"));
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

absl::StatusOr<PeerConfig> ParsePeer(const TableReader& peer, AllClaims* claims) {
  PBL_RETURN_IF_ERROR(peer.CheckKeys({"id", "address", "verifier_key", "identity", "schemes"}));
  PeerConfig out;
  PBL_ASSIGN_OR_RETURN(out.id, NodeId(peer, "id"));
  PBL_RETURN_IF_ERROR(claims->ids.Claim(peer, "id", out.id));
  // A peer is dialled, so port 0 ("any free port") means nothing here.
  PBL_ASSIGN_OR_RETURN(out.address, Address(peer, "address", /*port_min=*/1));
  PBL_ASSIGN_OR_RETURN(out.verifier_key, PeerVerifierKey(peer, "verifier_key"));
  PBL_ASSIGN_OR_RETURN(const std::string identity,
                       peer.String("identity", kCommonNameBytesMax + 1));
  const Item item{identity, peer.Name("identity"), peer.Line("identity")};
  PBL_ASSIGN_OR_RETURN(out.identity, CommonName(peer.file(), item));
  PBL_RETURN_IF_ERROR(claims->names.Claim(peer.file(), item));
  if (peer.Has("schemes")) {
    PBL_ASSIGN_OR_RETURN(out.schemes, Schemes(peer, "schemes", &claims->schemes));
  }
  return out;
}

absl::Status ParsePeers(const TableReader& top, AllClaims* claims, NodeConfig* config) {
  if (!top.Has("peer")) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(const std::vector<TableReader> peers, top.TableArray("peer", kPeersMax));
  for (const TableReader& peer : peers) {
    PBL_ASSIGN_OR_RETURN(PeerConfig parsed, ParsePeer(peer, claims));
    config->peers.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

absl::Status ParseAccess(const TableReader& top, AllClaims* claims, NodeConfig* config) {
  PBL_ASSIGN_OR_RETURN(const TableReader access, top.OptionalTable("access"));
  PBL_RETURN_IF_ERROR(access.CheckKeys({"administrators", "auditors"}));
  PBL_ASSIGN_OR_RETURN(config->administrators,
                       CommonNames(access, "administrators", &claims->names));
  PBL_ASSIGN_OR_RETURN(config->auditors, CommonNames(access, "auditors", &claims->names));
  return absl::OkStatus();
}

absl::Status ParseLimits(const TableReader& top, NodeConfig* config) {
  PBL_ASSIGN_OR_RETURN(const TableReader limits, top.OptionalTable("limits"));
  PBL_RETURN_IF_ERROR(limits.CheckKeys({"max_batch_entries", "max_message_bytes",
                                        "transfer_deadline_seconds", "worker_token_max_seconds"}));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(limits, "max_batch_entries", 1, kBatchEntriesMax, &config->max_batch_entries));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "max_message_bytes", kMessageBytesMin, kMessageBytesMax,
                                    &config->max_message_bytes));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "transfer_deadline_seconds", 1,
                                    kTransferDeadlineSecondsMax,
                                    &config->transfer_deadline_seconds));
  PBL_RETURN_IF_ERROR(OptionalInt32(limits, "worker_token_max_seconds", kWorkerTokenSecondsMin,
                                    kWorkerTokenSecondsMax, &config->worker_token_max_seconds));
  return absl::OkStatus();
}

absl::Status ParseTesting(const TableReader& top, NodeConfig* config) {
  if (!top.Has("testing")) return absl::OkStatus();
  PBL_ASSIGN_OR_RETURN(const TableReader testing, top.Table("testing"));
  if (!IsLoopbackHost(config->listen)) {
    return top.Error("testing", StrCat("is refused: node.listen = ", Quote(config->listen),
                                       " is not a loopback address (127.x.y.z, [::1] or "
                                       "localhost), and faults are for tests only"));
  }
  PBL_RETURN_IF_ERROR(
      testing.CheckKeys({"fault_seed", "drop_request_percent", "drop_response_percent",
                         "duplicate_percent", "delay_ms_max", "tamper_package"}));
  FaultPlanConfig plan;
  PBL_ASSIGN_OR_RETURN(const int64_t seed,
                       testing.Int("fault_seed", 0, std::numeric_limits<int64_t>::max()));
  plan.seed = static_cast<uint64_t>(seed);
  PBL_RETURN_IF_ERROR(
      OptionalInt32(testing, "drop_request_percent", 0, kPercentMax, &plan.drop_request_percent));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(testing, "drop_response_percent", 0, kPercentMax, &plan.drop_response_percent));
  PBL_RETURN_IF_ERROR(
      OptionalInt32(testing, "duplicate_percent", 0, kPercentMax, &plan.duplicate_percent));
  PBL_RETURN_IF_ERROR(OptionalInt32(testing, "delay_ms_max", 0, kDelayMsMax, &plan.delay_ms_max));
  if (testing.Has("tamper_package")) {
    PBL_ASSIGN_OR_RETURN(plan.tamper_package, testing.String("tamper_package", 16));
    if (plan.tamper_package != "signature" && plan.tamper_package != "proof" &&
        plan.tamper_package != "drop-entry") {
      return testing.Error("tamper_package", "must be \"signature\", \"proof\" or \"drop-entry\"");
    }
  }
  config->fault_plan = plan;
  return absl::OkStatus();
}

absl::StatusOr<NodeConfig> ParseDocument(const toml::table& document, std::string_view file,
                                         const std::string& base_dir) {
  const TableReader top(file, &document, 1, "");
  PBL_RETURN_IF_ERROR(top.CheckKeys({"node", "tls", "peer", "access", "limits", "testing"}));
  NodeConfig config;
  AllClaims claims;
  PBL_ASSIGN_OR_RETURN(const TableReader node, top.Table("node"));
  PBL_RETURN_IF_ERROR(ParseNode(node, base_dir, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseTls(top, base_dir, &config));
  PBL_RETURN_IF_ERROR(ParsePeers(top, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseAccess(top, &claims, &config));
  PBL_RETURN_IF_ERROR(ParseLimits(top, &config));
  PBL_RETURN_IF_ERROR(ParseTesting(top, &config));
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
  toml::table document;
  // toml++ reports syntax errors by exception; this is the one place they become a Status.
  try {
    document = toml::parse(text, std::string_view(file_name));
  } catch (const toml::parse_error& error) {
    return ErrorAt(file_name, LineOf(error.source()),
                   StrCat("TOML syntax error: ", error.description()));
  }
  return ParseDocument(document, file_name, base_dir);
}

bool IsLoopbackHost(std::string_view host_port) {
  const std::optional<HostPort> parsed = SplitHostPort(host_port);
  if (!parsed) return false;
  if (parsed->bracketed) return parsed->host == "::1";
  return parsed->host == "localhost" || IsLoopbackIpv4(parsed->host);
}

}  // namespace pbl::rpc
