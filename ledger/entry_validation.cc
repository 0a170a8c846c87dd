#include "ledger/entry_validation.h"

#include <array>

#include "absl/status/status.h"
#include "crypto/strings.h"
#include "ledger/log_format.h"
#include "ledger/person_id.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

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
  static constexpr std::array<std::string_view, 6> kKinds = {"UEBPI",  "URRBPI", "UEBMI",
                                                             "URRBMI", "HPF",    "MLG"};
  const size_t dash = scheme_id.find('-');
  const std::string_view kind = scheme_id.substr(0, dash);
  const bool known_kind = std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end();
  const std::string_view region =
      dash == std::string_view::npos ? std::string_view() : scheme_id.substr(dash + 1);
  if (!known_kind || region.size() != 6 || !std::all_of(region.begin(), region.end(), IsDigit)) {
    return absl::InvalidArgumentError(
        StrCat("scheme_id \"", scheme_id.substr(0, 32),
               "\" is not KIND-REGION (KIND one of UEBPI, URRBPI, UEBMI, URRBMI, HPF, MLG; "
               "REGION 6 digits)"));
  }
  return absl::OkStatus();
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
  if (absl::Status s = ValidateSchemeId(entry.scheme_id()); !s.ok()) return s;
  if (absl::Status s = ValidatePersonId(entry.person_id()); !s.ok()) return s;
  if (entry.node_time_unix_ms() <= 0) {
    return absl::InvalidArgumentError("node_time_unix_ms must be positive");
  }
  if (entry.body_case() == v1::Entry::BODY_NOT_SET) {
    return absl::InvalidArgumentError("body is not set");
  }
  return EntryKeyFields{entry.person_id(), entry.scheme_id()};
}

}  // namespace pbl::ledger
