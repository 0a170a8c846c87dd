// The check a correction gets before it is appended: it must refer to an earlier contribution or
// premium of the same person in the same scheme, and leave none of that entry's amounts below
// zero once every earlier correction of it is added. Entries are checked one by one at append
// (entry_validation.h) without the log; this check needs the person's history, so the node
// makes it (rpc/services.cc) with the person's entries in the scheme. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_CORRECTIONS_H_
#define PBL_LEDGER_DOMAIN_CORRECTIONS_H_

#include "absl/status/status.h"
#include "ledger/domain/entitlement.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

// OK if `correction` (an entry whose body is a Correction) may follow `history`: the person's
// entries in the correction's scheme, in log order, all of them up to now. INVALID_ARGUMENT
// naming the field otherwise: corrects_index names no entry of the history, or one of another
// person or scheme, or one that is not a monthly contribution or annual premium; a delta that does
// not apply to that kind of entry is not zero; or an amount (base, personal, employer; or
// personal, collective and government subsidy) would go below zero.
absl::Status CheckCorrection(const History& history, const v1::Entry& correction);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_CORRECTIONS_H_
