// Checks of entry bytes at the ledger's edge (specs/ledger.md, "Entries"). Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_ENTRY_VALIDATION_H_
#define PBL_LEDGER_DOMAIN_ENTRY_VALIDATION_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::v1 {
class Entry;
}  // namespace pbl::v1

namespace pbl::ledger {

// An entry is at most this many bytes (specs/ledger.md): its length is a uint16 in a bundle.
inline constexpr size_t kEntryBytesMax = 65535;

// What the ledger indexes an entry by.
struct EntryKeyFields {
  std::string person_id;
  std::string scheme_id;
};

// Validates one serialized pbl.v1.Entry. INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<EntryKeyFields> ValidateEntry(std::string_view bytes);

// Whether `entry` or any message inside it holds fields unknown to pbl.v1 (which protobuf keeps
// and writes back, so a canonical re-encoding does not reveal them).
bool HasUnknownFields(const v1::Entry& entry);

absl::Status ValidateSchemeId(std::string_view scheme_id);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_ENTRY_VALIDATION_H_
