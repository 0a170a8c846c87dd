// Checks of entry bytes at the ledger's edge (specs/ledger.md, "Entries"). Pure; thread-safe.
#ifndef PBL_LEDGER_ENTRY_VALIDATION_H_
#define PBL_LEDGER_ENTRY_VALIDATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pbl::ledger {

// What the ledger indexes an entry by.
struct EntryKeyFields {
  std::string person_id;
  std::string scheme_id;
};

// Validates one serialized pbl.v1.Entry. INVALID_ARGUMENT naming the field otherwise.
absl::StatusOr<EntryKeyFields> ValidateEntry(std::string_view bytes);

absl::Status ValidateSchemeId(std::string_view scheme_id);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_ENTRY_VALIDATION_H_
