// A strict reader of TOML tables (toml++) for the project's own files (specs/rules/*.toml, the
// node's configuration): typed getters whose errors are INVALID_ARGUMENT "FILE:LINE: message"
// naming the dotted key ("peer[1].address"), unknown keys refused by CheckKeys. A null table
// stands for an absent optional table: it has no keys, and a missing key is reported at the
// line of the table's parent. Not thread-safe; cheap to copy.
#ifndef PBL_CRYPTO_BASE_TOML_READER_H_
#define PBL_CRYPTO_BASE_TOML_READER_H_

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pbl {

int LineOf(const toml::source_region& region);
absl::Status ErrorAt(std::string_view file, int line, std::string_view message);
// "a table", "an integer", "a floating-point number", ...
std::string_view TypeName(const toml::node& node);
// A value for an error message: quoted, cut at 64 bytes, control characters escaped.
std::string Quote(std::string_view value);

// Parses `text`; INVALID_ARGUMENT "FILE:LINE: <toml++'s description>" for a syntax error.
absl::StatusOr<toml::table> ParseToml(std::string_view text, std::string_view file);

// Reads and parses the file at `path`; INVALID_ARGUMENT if it cannot be read, or as ParseToml.
absl::StatusOr<toml::table> ParseTomlFile(const std::string& path);

// One string of an array, with its dotted name ("node.schemes[1]") and line.
struct TomlItem {
  std::string value;
  std::string name;
  int line = 0;
};

class TableReader {
 public:
  TableReader(std::string_view file, const toml::table* table, int line, std::string path)
      : file_(file), table_(table), line_(line), path_(std::move(path)) {}

  std::string_view file() const { return file_; }
  int line() const { return line_; }
  const toml::table* table() const { return table_; }

  // The dotted name of `key` in this table.
  std::string Name(std::string_view key) const;
  // The line of `key`, or of the table when the key is absent.
  int Line(std::string_view key) const;
  // An error at the line of `key` that starts with its dotted name.
  absl::Status Error(std::string_view key, std::string_view message) const;
  absl::Status WrongType(std::string_view key, const toml::node& node,
                         std::string_view wanted) const;

  // Refuses any key not in `allowed`, naming the first in the file.
  absl::Status CheckKeys(std::initializer_list<std::string_view> allowed) const;

  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  absl::StatusOr<const toml::node*> Require(std::string_view key) const;
  absl::StatusOr<int64_t> Int(std::string_view key, int64_t min, int64_t max) const;
  absl::StatusOr<int32_t> Int32(std::string_view key, int32_t min, int32_t max) const;
  absl::StatusOr<bool> Bool(std::string_view key) const;
  // A string of 1..max_bytes bytes.
  absl::StatusOr<std::string> String(std::string_view key, size_t max_bytes) const;
  // A string of 0..max_bytes bytes; empty when the key is absent.
  absl::StatusOr<std::string> StringOrEmpty(std::string_view key, size_t max_bytes) const;
  absl::StatusOr<const toml::array*> Array(
      std::string_view key, size_t max_items = std::numeric_limits<size_t>::max()) const;
  // An array of at most max_items strings, each of at most max_bytes bytes (maybe empty).
  absl::StatusOr<std::vector<TomlItem>> StringList(std::string_view key, size_t max_items,
                                                   size_t max_bytes) const;
  absl::StatusOr<TableReader> Table(std::string_view key) const;
  // A table that may be absent: then a reader of no keys.
  absl::StatusOr<TableReader> OptionalTable(std::string_view key) const;
  // An array of tables ([[key]]) of at most max_items tables.
  absl::StatusOr<std::vector<TableReader>> TableArray(std::string_view key, size_t max_items) const;

 private:
  const toml::node* Find(std::string_view key) const { return table_ ? table_->get(key) : nullptr; }

  std::string_view file_;
  const toml::table* table_;
  int line_;
  std::string path_;
};

}  // namespace pbl

#endif  // PBL_CRYPTO_BASE_TOML_READER_H_
