#include "ledger/domain/entry_body_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ledger/domain/entry_validation.h"
#include "pbl/v1/entry.pb.h"
#include "tests/testing/entries.h"
#include "tests/testing/status_matchers.h"

namespace pbl::ledger {
namespace {

using ::pbl::testing::StatusIs;
using ::testing::HasSubstr;

v1::Entry Base(const std::string& scheme) {
  v1::Entry e;
  e.set_scheme_id(scheme);
  e.set_person_id(pbl::testing::PersonId(7));
  e.set_node_time_unix_ms(1'700'000'000'000);
  return e;
}

absl::Status Validate(const v1::Entry& e) { return ValidateEntry(e.SerializeAsString()).status(); }

v1::Entry Contribution() {
  v1::Entry e = Base("UEBPI-310000");
  v1::MonthlyContribution* c = e.mutable_monthly_contribution();
  c->set_period("2024-03");
  c->set_base_fen(600000);
  c->set_personal_fen(48000);
  c->set_employer_fen(96000);
  return e;
}

v1::Entry Premium() {
  v1::Entry e = Base("URRBPI-340000");
  v1::AnnualPremium* p = e.mutable_annual_premium();
  p->set_year(2023);
  p->set_personal_fen(50000);
  p->set_collective_subsidy_fen(10000);
  p->set_government_subsidy_fen(3000);
  return e;
}

v1::Entry TransferIn() {
  v1::Entry e = Base("UEBPI-340000");
  v1::TransferIn* t = e.mutable_transfer_in();
  t->set_transfer_id("T-2024.0001");
  t->set_source_scheme_id("UEBPI-310000");
  t->set_date("2024-04-01");
  v1::MonthRange* r = t->mutable_figures()->add_months_credited();
  r->set_first("2018-01");
  r->set_last("2022-12");
  return e;
}

// Unknown fields at any depth are refused, though the re-encoding would carry them unchanged:
// in the body, and in a message repeated inside the body.
TEST(EntryBodyValidationTest, UnknownFieldsInNestedMessagesAreRefused) {
  v1::Entry in_body = Contribution();
  in_body.mutable_monthly_contribution()
      ->GetReflection()
      ->MutableUnknownFields(in_body.mutable_monthly_contribution())
      ->AddVarint(99, 1);
  EXPECT_THAT(Validate(in_body),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown")));

  v1::Entry in_range = TransferIn();
  v1::MonthRange* range =
      in_range.mutable_transfer_in()->mutable_figures()->mutable_months_credited(0);
  range->GetReflection()->MutableUnknownFields(range)->AddLengthDelimited(77, "x");
  EXPECT_THAT(Validate(in_range),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown")));

  EXPECT_TRUE(Validate(Contribution()).ok());
  EXPECT_TRUE(Validate(TransferIn()).ok()) << Validate(TransferIn());
}

// HasUnknownFields walks the generated accessors, one message type at a time. Every message
// field reachable from pbl.v1.Entry, found here from the descriptors, gets an unknown field in
// turn: a message field added to the schema and not walked fails this test.
TEST(EntryBodyValidationTest, UnknownFieldsAreFoundInEveryMessageTheSchemaReaches) {
  using google::protobuf::Descriptor;
  using google::protobuf::FieldDescriptor;
  using google::protobuf::Message;
  // Each path is the message fields from the Entry down to one message.
  std::vector<std::vector<const FieldDescriptor*>> paths = {{}};
  std::function<void(const Descriptor*, std::vector<const FieldDescriptor*>)> add =
      [&](const Descriptor* type, std::vector<const FieldDescriptor*> path) {
        ASSERT_LT(path.size(), 8u) << "the schema nests deeper than expected";
        for (int i = 0; i < type->field_count(); ++i) {
          const FieldDescriptor* field = type->field(i);
          if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
          std::vector<const FieldDescriptor*> longer = path;
          longer.push_back(field);
          paths.push_back(longer);
          add(field->message_type(), longer);
        }
      };
  add(v1::Entry::descriptor(), {});
  // The twelve bodies, TransferFigures in three of them and MonthRange three times in each.
  EXPECT_EQ(paths.size(), 1u + 12u + 3u * (1u + 3u));

  for (const auto& path : paths) {
    std::string where = "pbl.v1.Entry";
    for (const FieldDescriptor* field : path) where += "." + field->name();
    v1::Entry entry = Base("UEBPI-310000");
    Message* message = &entry;
    for (const FieldDescriptor* field : path) {
      message = field->is_repeated() ? message->GetReflection()->AddMessage(message, field)
                                     : message->GetReflection()->MutableMessage(message, field);
    }
    EXPECT_FALSE(HasUnknownFields(entry)) << where;
    message->GetReflection()->MutableUnknownFields(message)->AddVarint(999, 1);
    EXPECT_TRUE(HasUnknownFields(entry)) << where;
  }
}

TEST(EntryBodyValidationTest, WellFormedBodiesOfEachKindAreAccepted) {
  EXPECT_OK(Validate(Contribution()));
  EXPECT_OK(Validate(Premium()));
  EXPECT_OK(Validate(TransferIn()));
  v1::Entry enrol = Base("UEBPI-310000");
  enrol.mutable_enrolment()->set_date("2018-01-02");
  enrol.mutable_enrolment()->set_hukou_region("340100");
  enrol.mutable_enrolment()->set_retirement_category(v1::RETIREMENT_CATEGORY_MALE);
  EXPECT_OK(Validate(enrol));
  v1::Entry mlg = Base("MLG-340100");
  mlg.mutable_mlg_payment()->set_month("2024-01");
  mlg.mutable_mlg_payment()->set_amount_fen(85000);
  EXPECT_OK(Validate(mlg));
}

TEST(EntryBodyValidationTest, BodiesInSchemesThatDoNotTakeThemAreRefused) {
  v1::Entry c = Contribution();
  c.set_scheme_id("URRBPI-310000");
  EXPECT_THAT(Validate(c), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("monthly_contribution is not an entry of scheme "
                                              "kind URRBPI")));
  v1::Entry p = Premium();
  p.set_scheme_id("HPF-340000");
  EXPECT_THAT(Validate(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("annual_premium")));
  v1::Entry mlg = Base("UEBPI-340100");
  mlg.mutable_mlg_payment()->set_month("2024-01");
  EXPECT_THAT(Validate(mlg), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mlg")));
}

TEST(EntryBodyValidationTest, EachBadFieldIsNamed) {
  const struct {
    std::function<void(v1::Entry*)> edit;
    const char* field;
  } cases[] = {
      {[](v1::Entry* e) { e->mutable_monthly_contribution()->set_period("2024-13"); },
       "monthly_contribution.period"},
      {[](v1::Entry* e) { e->mutable_monthly_contribution()->set_base_fen(-1); },
       "monthly_contribution.base_fen"},
      {[](v1::Entry* e) { e->mutable_monthly_contribution()->set_personal_fen(20'000'000'000); },
       "monthly_contribution.personal_fen"},
      {[](v1::Entry* e) {
         e->mutable_monthly_contribution()->set_base_fen(0);
         e->mutable_monthly_contribution()->set_personal_fen(0);
         e->mutable_monthly_contribution()->set_employer_fen(0);
       },
       "no base and no amounts"},
      {[](v1::Entry* e) { e->mutable_enrolment()->set_date("2018-02-30"); }, "enrolment.date"},
      {[](v1::Entry* e) { e->mutable_correction()->set_corrects_index(3); }, "correction.reason"},
      {[](v1::Entry* e) {
         e->mutable_transfer_voided()->set_transfer_id("bad id!");
         e->mutable_transfer_voided()->set_reason("deadline");
       },
       "transfer_id"},
      {[](v1::Entry* e) {
         e->mutable_refund()->set_rule_id("renshebufa-2014-17");
         e->mutable_refund()->set_amount_fen(-5);
       },
       "refund.amount_fen"},
  };
  for (const auto& c : cases) {
    v1::Entry e = Contribution();
    c.edit(&e);
    EXPECT_THAT(Validate(e), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
}

TEST(EntryBodyValidationTest, EnrolmentNeedsACategoryAndARealHukouRegion) {
  v1::Entry e = Base("UEBPI-310000");
  e.mutable_enrolment()->set_date("2018-01-02");
  e.mutable_enrolment()->set_hukou_region("340100");
  EXPECT_THAT(Validate(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("enrolment.retirement_category")));
  e.mutable_enrolment()->set_retirement_category(v1::RETIREMENT_CATEGORY_FEMALE_STAFF);
  e.mutable_enrolment()->set_hukou_region("990100");
  EXPECT_THAT(Validate(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enrolment.hukou_region")));
}

TEST(EntryBodyValidationTest, MonthRangesHaveOneEncoding) {
  // Overlapping, unsorted or adjacent ranges could spell one set of months two ways.
  for (const auto& [first, last] : std::vector<std::pair<const char*, const char*>>{
           {"2022-06", "2023-01"}, {"2023-01", "2023-05"}, {"2017-01", "2017-03"}}) {
    v1::Entry e = TransferIn();
    v1::MonthRange* r = e.mutable_transfer_in()->mutable_figures()->add_months_credited();
    r->set_first(first);
    r->set_last(last);
    EXPECT_THAT(Validate(e), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("transfer_in.figures.months_credited")))
        << first << ".." << last;
  }
  v1::Entry reversed = TransferIn();
  reversed.mutable_transfer_in()->mutable_figures()->mutable_months_credited(0)->set_last(
      "2017-12");
  EXPECT_THAT(Validate(reversed), StatusIs(absl::StatusCode::kInvalidArgument));
}

// CheckEntryBody names the bad field by its path in pbl.v1.Entry, apart from the message (which
// callers such as `pbl import` show as it is): the body's name for the body as a whole.
TEST(EntryBodyValidationTest, TheBadFieldIsReturnedByItsPath) {
  const SchemeId pension = *ParseSchemeId("UEBPI-310000");
  const struct {
    std::function<void(v1::Entry*)> edit;
    const char* field;
    const char* message_start;
  } cases[] = {
      {[](v1::Entry* e) { e->mutable_monthly_contribution()->set_period("2024-13"); },
       "monthly_contribution.period", "monthly_contribution.period \"2024-13\" is not a month"},
      {[](v1::Entry* e) { e->mutable_monthly_contribution()->set_employer_fen(-1); },
       "monthly_contribution.employer_fen", "monthly_contribution.employer_fen must not be"},
      {[](v1::Entry* e) {
         e->mutable_monthly_contribution()->set_base_fen(0);
         e->mutable_monthly_contribution()->set_personal_fen(0);
         e->mutable_monthly_contribution()->set_employer_fen(0);
       },
       "monthly_contribution", "monthly_contribution has no base and no amounts"},
      {[](v1::Entry* e) { e->clear_body(); }, "body", "body is not set"},
      {[](v1::Entry* e) {
         *e = TransferIn();
         e->mutable_transfer_in()->mutable_figures()->mutable_months_credited(0)->set_last(
             "2017-12");
       },
       "transfer_in.figures.months_credited", "transfer_in.figures.months_credited must be"},
      {[](v1::Entry* e) {
         *e = TransferIn();
         e->mutable_transfer_in()->set_transfer_id("bad id!");
       },
       "transfer_in.transfer_id", "transfer_id must be 1-64 characters"},
      {[](v1::Entry* e) {
         *e = TransferIn();
         e->mutable_transfer_in()->set_source_scheme_id("UEBPI");
       },
       "transfer_in.source_scheme_id", "scheme_id \"UEBPI\" is not KIND-REGION"},
  };
  for (const auto& c : cases) {
    v1::Entry e = Contribution();
    c.edit(&e);
    const std::optional<FieldError> bad = CheckEntryBody(e, pension);
    ASSERT_TRUE(bad.has_value()) << c.field;
    EXPECT_EQ(bad->field, c.field);
    EXPECT_THAT(bad->message, ::testing::StartsWith(c.message_start)) << c.field;
    EXPECT_THAT(ValidateEntryBody(e, pension),
                StatusIs(absl::StatusCode::kInvalidArgument, bad->message));
  }
  EXPECT_FALSE(CheckEntryBody(Contribution(), pension).has_value());
  v1::Entry premium = Premium();
  premium.mutable_annual_premium()->set_collective_subsidy_fen(-3);
  const std::optional<FieldError> bad = CheckEntryBody(premium, *ParseSchemeId("URRBPI-340000"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field, "annual_premium.collective_subsidy_fen");
}

}  // namespace
}  // namespace pbl::ledger
