#include "ledger/entry_validation.h"

#include <array>

#include "absl/status/status.h"
#include "crypto/status_macros.h"
#include "crypto/strings.h"
#include "ledger/entry_body_validation.h"
#include "ledger/log_format.h"
#include "ledger/person_id.h"
#include "ledger/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

namespace {

// Protobuf keeps fields it does not know and writes them back, so a canonical re-encoding alone
// would not notice them.
bool HasUnknownFields(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status ValidateSchemeId(std::string_view scheme_id) {
  return ParseSchemeId(scheme_id).status();
}

absl::StatusOr<EntryKeyFields> ValidateEntry(std::string_view bytes) {
  if (bytes.empty()) return absl::InvalidArgumentError("entry is empty");
  if (bytes.size() > kEntryBytesMax) {
    return absl::InvalidArgumentError(
        StrCat("entry is ", bytes.size(), " bytes; the limit is ", kEntryBytesMax));
  }
  v1::Entry entry;
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("entry is not a valid pbl.v1.Entry protobuf");
  }
  // One entry has one encoding: unknown fields, repeated or reordered fields and any other
  // non-canonical encoding are refused, so that the stored bytes mean exactly what they parse to.
  if (HasUnknownFields(entry)) {
    return absl::InvalidArgumentError("entry has fields unknown to pbl.v1.Entry (not canonical)");
  }
  std::string canonical;
  entry.SerializeToString(&canonical);
  if (canonical != bytes) {
    return absl::InvalidArgumentError(
        "entry is not in canonical protobuf encoding (unknown, repeated or reordered fields)");
  }
  PBL_ASSIGN_OR_RETURN(const SchemeId scheme, ParseSchemeId(entry.scheme_id()));
  PBL_RETURN_IF_ERROR(ValidatePersonId(entry.person_id()));
  if (entry.node_time_unix_ms() <= 0) {
    return absl::InvalidArgumentError("node_time_unix_ms must be positive");
  }
  PBL_RETURN_IF_ERROR(ValidateEntryBody(entry, scheme));
  return EntryKeyFields{entry.person_id(), entry.scheme_id()};
}

}  // namespace pbl::ledger
