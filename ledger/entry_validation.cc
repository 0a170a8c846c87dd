#include "ledger/entry_validation.h"

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "crypto/status_macros.h"
#include "crypto/strings.h"
#include "google/protobuf/arena.h"
#include "ledger/entry_body_validation.h"
#include "ledger/log_format.h"
#include "ledger/person_id.h"
#include "ledger/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

namespace {

// The message-typed fields of each message type reachable from pbl.v1.Entry, found once from the
// descriptors: walking only these is much cheaper than Reflection::ListFields over every field,
// and this runs for every entry appended, streamed to an auditor or received in a package.
class MessageFieldIndex {
 public:
  MessageFieldIndex() { Add(v1::Entry::descriptor()); }

  const std::vector<const google::protobuf::FieldDescriptor*>& Of(
      const google::protobuf::Descriptor* type) const {
    return fields_.at(type);
  }

 private:
  void Add(const google::protobuf::Descriptor* type) {
    if (fields_.contains(type)) return;
    std::vector<const google::protobuf::FieldDescriptor*>& fields = fields_[type];
    for (int i = 0; i < type->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = type->field(i);
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        fields.push_back(field);
      }
    }
    const std::vector<const google::protobuf::FieldDescriptor*> copy = fields;
    for (const google::protobuf::FieldDescriptor* field : copy) Add(field->message_type());
  }

  std::unordered_map<const google::protobuf::Descriptor*,
                     std::vector<const google::protobuf::FieldDescriptor*>>
      fields_;
};

const MessageFieldIndex& FieldIndex() {
  static const MessageFieldIndex* index = new MessageFieldIndex();
  return *index;
}

// Protobuf keeps fields it does not know and writes them back, so a canonical re-encoding alone
// would not notice them.
bool HasUnknownFields(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  for (const google::protobuf::FieldDescriptor* field : FieldIndex().Of(message.GetDescriptor())) {
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (reflection->HasField(message, field) &&
               HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
  }
  return false;
}

// Room for a typical entry's parsed strings on the stack: parsing then allocates nothing.
constexpr size_t kParseArenaBytes = 2048;

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
  alignas(16) char arena_block[kParseArenaBytes];
  google::protobuf::ArenaOptions arena_options;
  arena_options.initial_block = arena_block;
  arena_options.initial_block_size = sizeof(arena_block);
  google::protobuf::Arena arena(arena_options);
  v1::Entry& entry = *google::protobuf::Arena::CreateMessage<v1::Entry>(&arena);
  if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError("entry is not a valid pbl.v1.Entry protobuf");
  }
  // One entry has one encoding: unknown fields, repeated or reordered fields and any other
  // non-canonical encoding are refused, so that the stored bytes mean exactly what they parse to.
  if (HasUnknownFields(entry)) {
    return absl::InvalidArgumentError("entry has fields unknown to pbl.v1.Entry (not canonical)");
  }
  thread_local std::string canonical;  // keeps its capacity: no allocation per entry
  canonical.resize(entry.ByteSizeLong());
  entry.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(canonical.data()));
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
