// The checks each side of a transfer makes of what the other side signed (ARCHITECTURE.md
// section 5): the destination's check of the source's package, and the source's checks of the
// destination's receipt and void. Each is a pure function of the transfer's own record, the
// signer's keys and the signed message, apart from the node and its storage, so that they can be
// tested and fuzzed on their own (tests/fuzz/transfer_package_fuzzer.cc). TransferDestination and
// TransferSource call them. Thread-safe.
#ifndef PBL_RPC_PACKAGE_CHECK_H_
#define PBL_RPC_PACKAGE_CHECK_H_

#include "absl/status/statusor.h"
#include "crypto/checkpoint.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "ledger/domain/entitlement.h"
#include "pbl/v1/node.pb.h"

namespace pbl::rpc {

// A package that passed every check.
struct CheckedPackage {
  v1::TransferPackage package;
  crypto::Checkpoint checkpoint;  // the source's, opened with its key
  // The package's entries as the history of log 1 that the destination plans with, in log
  // order, the last one this transfer's transfer_initiated.
  ledger::History history;
};

// The destination's check of `signed_package` for the transfer `status` (the destination's own
// record of the request), from the source whose packages `source_key` signs and whose
// checkpoints `source_log` opens:
//  - the signature over "pbl.v1 transfer package\n" || body (DATA_LOSS);
//  - the body parses as a TransferPackage whose request fields equal `status`'s;
//  - its checkpoint opens with `source_log` (DATA_LOSS, UNAUTHENTICATED or INVALID_ARGUMENT as
//    crypto::OpenCheckpoint);
//  - completeness: at least one entry, in strictly increasing log order, each proved in the
//    checkpoint's tree (VerifyProvenEntry: DATA_LOSS, or INVALID_ARGUMENT for a malformed
//    proof), each a valid entry (ledger::ValidateEntry) of the person in the source scheme, the
//    last the transfer_initiated entry of this transfer carrying the package's figures.
// INVALID_ARGUMENT for everything else.
absl::StatusOr<CheckedPackage> CheckTransferPackage(const v1::TransferStatus& status,
                                                    const crypto::Ed25519PublicKey& source_key,
                                                    const crypto::NoteVerifier& source_log,
                                                    const v1::SignedMessage& signed_package);

// A receipt that passed every check.
struct CheckedReceipt {
  v1::TransferReceipt receipt;
  crypto::Checkpoint checkpoint;  // the destination's, opened with its key
  v1::Entry transfer_in;          // the destination's transfer_in entry, proved in it
};

// The source's check of `signed_receipt` for the transfer `status` (the source's own record),
// from the destination whose receipts `destination_key` signs and whose checkpoints
// `destination_log` opens:
//  - the signature over "pbl.v1 transfer receipt\n" || body (DATA_LOSS);
//  - the body parses as a TransferReceipt of this transfer id and destination node;
//  - its checkpoint opens with `destination_log` (as crypto::OpenCheckpoint);
//  - its transfer_in entry is proved in that checkpoint's tree (as VerifyProvenEntry), parses,
//    is a transfer_in of this transfer, person and destination scheme, with the receipt's
//    figures;
//  - FAILED_PRECONDITION if those figures differ from the source's own (`status.figures`).
// INVALID_ARGUMENT for everything else.
absl::StatusOr<CheckedReceipt> CheckTransferReceipt(const v1::TransferStatus& status,
                                                    const crypto::Ed25519PublicKey& destination_key,
                                                    const crypto::NoteVerifier& destination_log,
                                                    const v1::SignedMessage& signed_receipt);

// A destination's void that passed every check.
struct CheckedVoid {
  v1::TransferVoid signed_void;
  crypto::Checkpoint checkpoint;  // the destination's, opened with its key
  v1::Entry transfer_voided;      // the destination's transfer_voided entry, proved in it
};

// The source's check of `signed_void` for the transfer `status` (the source's own record): the
// destination's commitment never to credit it.
//  - the signature over "pbl.v1 transfer void\n" || body (DATA_LOSS);
//  - the body parses as a TransferVoid of this transfer id and destination node;
//  - its checkpoint opens with `destination_log` (as crypto::OpenCheckpoint);
//  - its transfer_voided entry is proved in that checkpoint's tree (as VerifyProvenEntry),
//    parses, and is a transfer_voided of this transfer, person and destination scheme.
// INVALID_ARGUMENT for everything else.
absl::StatusOr<CheckedVoid> CheckTransferVoid(const v1::TransferStatus& status,
                                              const crypto::Ed25519PublicKey& destination_key,
                                              const crypto::NoteVerifier& destination_log,
                                              const v1::SignedMessage& signed_void);

}  // namespace pbl::rpc

#endif  // PBL_RPC_PACKAGE_CHECK_H_
