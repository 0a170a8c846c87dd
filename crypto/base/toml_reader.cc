#include "crypto/base/toml_reader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"

namespace pbl {

namespace {

constexpr size_t kShownValueBytesMax = 64;

}  // namespace

int LineOf(const toml::source_region& region) { return static_cast<int>(region.begin.line); }

absl::Status ErrorAt(std::string_view file, int line, std::string_view message) {
  return absl::InvalidArgumentError(StrCat(file, ":", line, ": ", message));
}

// A value from the file for an error message: quoted, cut short, control characters escaped.
std::string Quote(std::string_view value) {
  std::string out = "\"";
  for (char c : value.substr(0, kShownValueBytesMax)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '"' || c == '\\') {
      AppendHexEscape(&out, byte);
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
                 StrCat("unknown key ", Name(unknown->str()), " (expected ",
                        expected.empty() ? "no keys" : expected, ")"));
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

absl::StatusOr<std::vector<TomlItem>> TableReader::StringList(std::string_view key,
                                                              size_t max_items,
                                                              size_t max_bytes) const {
  PBL_ASSIGN_OR_RETURN(const toml::array* array, Array(key, max_items));
  std::vector<TomlItem> items;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = (*array)[i];
    TomlItem item{"", StrCat(Name(key), "[", i, "]"), LineOf(node.source())};
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

std::string TableReader::Name(std::string_view key) const {
  return path_.empty() ? std::string(key) : StrCat(path_, ".", key);
}

int TableReader::Line(std::string_view key) const {
  const toml::node* node = Find(key);
  return node ? LineOf(node->source()) : line_;
}

absl::Status TableReader::Error(std::string_view key, std::string_view message) const {
  return ErrorAt(file_, Line(key), StrCat(Name(key), " ", message));
}

absl::Status TableReader::WrongType(std::string_view key, const toml::node& node,
                                    std::string_view wanted) const {
  return Error(key, StrCat("must be ", wanted, ", not ", TypeName(node)));
}

absl::StatusOr<int32_t> TableReader::Int32(std::string_view key, int32_t min, int32_t max) const {
  PBL_ASSIGN_OR_RETURN(const int64_t value, Int(key, min, max));
  return static_cast<int32_t>(value);
}

absl::StatusOr<toml::table> ParseTomlFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseToml(text.str(), path);
}

absl::StatusOr<toml::table> ParseToml(std::string_view text, std::string_view file) {
  // toml++ reports syntax errors by exception; this is the one place they become a Status.
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    return ErrorAt(file, LineOf(error.source()),
                   StrCat("TOML syntax error: ", error.description()));
  }
}

}  // namespace pbl
