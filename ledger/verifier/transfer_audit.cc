#include "ledger/verifier/transfer_audit.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "crypto/base/strings.h"
#include "crypto/encoding.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/month_ranges.h"
#include "ledger/domain/person_id.h"
#include "ledger/domain/scheme.h"
#include "ledger/domain/transfer_plan.h"

namespace pbl::verifier {

namespace {

using crypto::Hash;

std::string HashHex(const Hash& h) { return crypto::HexEncode(h); }

std::string_view KindOf(const v1::Entry& e) {
  switch (e.body_case()) {
    case v1::Entry::kTransferRequested:
      return "transfer_requested";
    case v1::Entry::kTransferInitiated:
      return "transfer_initiated";
    case v1::Entry::kTransferIn:
      return "transfer_in";
    case v1::Entry::kTransferOut:
      return "transfer_out";
    case v1::Entry::kTransferVoided:
      return "transfer_voided";
    default:
      return "entry";
  }
}

std::string FiguresText(const v1::TransferFigures& f) {
  return StrCat("months credited ", ledger::FormatMonthRanges(f.months_credited()), ", account ",
                f.individual_account_fen(), " fen, pooled ", f.pooled_fen(), " fen, refund ",
                f.refund_fen(), " fen");
}

bool SameFigures(const v1::TransferFigures& a, const v1::TransferFigures& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

// One side of a transfer, as its entries describe it.
struct Side {
  std::string name;            // the node id the entries use
  std::optional<size_t> node;  // its log, when audited
  std::string scheme;
  const TransferSighting* start = nullptr;  // transfer_requested (destination), _initiated (source)
  const TransferSighting* end = nullptr;    // transfer_in (destination), transfer_out (source)
  const TransferSighting* voided = nullptr;
};

struct Transfer {
  std::string id;
  std::string person;
  std::string date;
  bool officially_approved = false;
  std::optional<int64_t> deadline_ms;
  Side source;
  Side destination;
};

// A credited transfer, for the months-counted-once check across the logs.
struct Credit {
  std::string transfer_id;
  ledger::SchemeId source;
  ledger::SchemeId destination;
  AuditEntryRef transfer_in;
};

class TransferChecker {
 public:
  TransferChecker(const TransferLogs& logs, const TransferAuditOptions& options,
                  TransferReport* report)
      : logs_(logs), options_(options), report_(report) {}

  void Check(const std::string& id, const TransferTrail& trail);
  // After every transfer: no month of a person counted in two schemes of one kind.
  void CheckMonthsCountedOnce();

 private:
  bool Describe(const std::string& id, const TransferTrail& trail, Transfer* t);
  void Assign(const TransferTrail& trail, Transfer* t);
  bool CheckAgreement(const Transfer& t, const TransferSighting& s);
  void CheckOrder(const Transfer& t);
  void CheckPrecedents(const Transfer& t);
  void CheckEndings(const Transfer& t);
  void CheckFigures(const Transfer& t);
  void CheckPackage(const Transfer& t);
  bool CheckRules(const Transfer& t);
  void CheckDeadline(const Transfer& t);
  bool PastDeadline(const Transfer& t) const {
    return t.deadline_ms && *t.deadline_ms + options_.grace_ms < options_.now_unix_ms;
  }
  void Count(const Transfer& t);
  void CheckPersonMonths(const std::string& person, ledger::SchemeKind kind,
                         const std::vector<Credit>& credits);

  void Add(std::string code, const Transfer& t, const std::string& node,
           std::initializer_list<const TransferSighting*> entries, std::string message);
  const std::string& NameOf(const TransferSighting& s) const { return logs_.log(s.node).name; }
  AuditEntryRef Ref(const TransferSighting& s) const {
    return {NameOf(s), s.index, std::string(KindOf(s.entry))};
  }
  std::string At(const TransferSighting& s) const {
    return StrCat(KindOf(s.entry), " at ", NameOf(s), "#", s.index);
  }
  // Read in its log's first pass, so the entries it follows from are in every other log read.
  bool FirstPass(const TransferSighting& s) const {
    return s.index < logs_.log(s.node).first_pass_size;
  }

  const TransferLogs& logs_;
  const TransferAuditOptions& options_;
  TransferReport* report_;
  std::map<std::string, std::vector<Credit>> credits_;  // by person
};

void TransferChecker::Add(std::string code, const Transfer& t, const std::string& node,
                          std::initializer_list<const TransferSighting*> entries,
                          std::string message) {
  AuditFinding f;
  f.code = std::move(code);
  f.node = node;
  f.transfer_id = t.id;
  for (const TransferSighting* e : entries) {
    if (e != nullptr) f.entries.push_back(Ref(*e));
  }
  f.message = std::move(message);
  report_->findings.push_back(std::move(f));
}

void TransferChecker::Check(const std::string& id, const TransferTrail& trail) {
  Transfer t;
  ++report_->transfers;
  if (!Describe(id, trail, &t)) return;
  Assign(trail, &t);
  CheckOrder(t);
  CheckPrecedents(t);
  CheckEndings(t);
  if (t.destination.end != nullptr) {
    CheckFigures(t);
    if (t.source.node && t.source.start != nullptr) {
      CheckPackage(t);
      // Between transfer_in and transfer_out both sides count the months for a moment: the
      // months are compared once the source has ended the transfer or should have.
      const Side& s = t.source;
      const bool in_flight = s.end == nullptr && s.voided == nullptr && !PastDeadline(t);
      if (CheckRules(t) && !in_flight) {
        credits_[t.person].push_back({t.id, *ledger::ParseSchemeId(t.source.scheme),
                                      *ledger::ParseSchemeId(t.destination.scheme),
                                      Ref(*t.destination.end)});
      }
    }
  }
  CheckDeadline(t);
  Count(t);
}

// The parties and terms of a transfer, from its first entry in protocol order.
bool TransferChecker::Describe(const std::string& id, const TransferTrail& trail, Transfer* t) {
  t->id = id;
  const TransferSighting* first = nullptr;
  if (!trail.requested.empty()) {
    first = &trail.requested.front();
    const v1::TransferRequested& r = first->entry.transfer_requested();
    t->destination = {NameOf(*first), {}, first->entry.scheme_id()};
    t->source = {r.source_node_id(), {}, r.source_scheme_id()};
  } else if (!trail.initiated.empty()) {
    first = &trail.initiated.front();
    const v1::TransferInitiated& i = first->entry.transfer_initiated();
    t->source = {NameOf(*first), {}, first->entry.scheme_id()};
    t->destination = {i.destination_node_id(), {}, i.destination_scheme_id()};
  } else if (!trail.in.empty()) {
    first = &trail.in.front();
    const v1::TransferIn& in = first->entry.transfer_in();
    t->destination = {NameOf(*first), {}, first->entry.scheme_id()};
    t->source = {in.source_node_id(), {}, in.source_scheme_id()};
    t->date = in.date();
  } else if (!trail.out.empty()) {
    first = &trail.out.front();
    const v1::TransferOut& out = first->entry.transfer_out();
    t->source = {NameOf(*first), {}, first->entry.scheme_id()};
    t->destination = {out.destination_node_id(), {}, out.destination_scheme_id()};
    t->date = out.date();
  } else {
    for (const TransferSighting& s : trail.voided) {
      Add("orphan-entry", *t, NameOf(s), {&s},
          StrCat(At(s), " voids a transfer that no audited log requested or initiated"));
    }
    return false;
  }
  t->person = first->entry.person_id();
  if (!trail.requested.empty()) {
    const v1::TransferRequested& r = trail.requested.front().entry.transfer_requested();
    t->date = r.date();
    t->officially_approved = r.officially_approved();
    t->deadline_ms = r.deadline_unix_ms();
  } else if (!trail.initiated.empty()) {
    const v1::TransferInitiated& i = trail.initiated.front().entry.transfer_initiated();
    t->date = i.date();
    t->officially_approved = i.officially_approved();
    t->deadline_ms = i.deadline_unix_ms();
  }
  t->source.node = logs_.Find(t->source.name);
  t->destination.node = logs_.Find(t->destination.name);
  return true;
}

// Every field of `s` that names a party or a term must agree with the transfer. True when the
// entry is where its kind belongs (the node and scheme of its side).
bool TransferChecker::CheckAgreement(const Transfer& t, const TransferSighting& s) {
  std::vector<std::string> differences;
  const auto expect = [&](std::string_view field, const std::string& got, const std::string& want) {
    if (got != want) differences.push_back(StrCat(field, " is \"", got, "\", not \"", want, "\""));
  };
  const v1::Entry& e = s.entry;
  if (e.person_id() != t.person) differences.push_back("person_id is another person's");
  const bool at_destination = e.has_transfer_requested() || e.has_transfer_in();
  const Side& own = at_destination ? t.destination : t.source;
  const Side& other = at_destination ? t.source : t.destination;
  const bool placed = NameOf(s) == own.name && e.scheme_id() == own.scheme;
  expect("the node", NameOf(s), own.name);
  expect("scheme_id", e.scheme_id(), own.scheme);
  const auto terms = [&](const std::string& date, bool approved, int64_t deadline_ms) {
    expect("date", date, t.date);
    expect("officially_approved", approved ? "true" : "false",
           t.officially_approved ? "true" : "false");
    if (t.deadline_ms) expect("deadline_unix_ms", StrCat(deadline_ms), StrCat(*t.deadline_ms));
  };
  if (e.has_transfer_requested()) {
    const v1::TransferRequested& r = e.transfer_requested();
    expect("destination_node_id", r.destination_node_id(), own.name);
    expect("destination_scheme_id", r.destination_scheme_id(), own.scheme);
    expect("source_node_id", r.source_node_id(), other.name);
    expect("source_scheme_id", r.source_scheme_id(), other.scheme);
    terms(r.date(), r.officially_approved(), r.deadline_unix_ms());
  } else if (e.has_transfer_initiated()) {
    const v1::TransferInitiated& i = e.transfer_initiated();
    expect("destination_node_id", i.destination_node_id(), other.name);
    expect("destination_scheme_id", i.destination_scheme_id(), other.scheme);
    terms(i.date(), i.officially_approved(), i.deadline_unix_ms());
  } else if (e.has_transfer_in()) {
    expect("source_node_id", e.transfer_in().source_node_id(), other.name);
    expect("source_scheme_id", e.transfer_in().source_scheme_id(), other.scheme);
    expect("date", e.transfer_in().date(), t.date);
  } else if (e.has_transfer_out()) {
    expect("destination_node_id", e.transfer_out().destination_node_id(), other.name);
    expect("destination_scheme_id", e.transfer_out().destination_scheme_id(), other.scheme);
    expect("date", e.transfer_out().date(), t.date);
  }
  if (!differences.empty()) {
    std::string text;
    for (const std::string& d : differences) StrAppend(&text, text.empty() ? "" : "; ", d);
    Add("details-differ", t, NameOf(s), {&s},
        StrCat(At(s), " disagrees with the transfer's other entries: ", text));
  }
  return placed;
}

void TransferChecker::Assign(const TransferTrail& trail, Transfer* t) {
  const auto place = [&](const TransferSighting& s, Side* side,
                         const TransferSighting* Side::*slot) {
    if (side->*slot == nullptr) {
      side->*slot = &s;
      return;
    }
    Add("duplicate-entry", *t, NameOf(s), {side->*slot, &s},
        StrCat("two ", KindOf(s.entry), " entries for one transfer: ", At(*(side->*slot)), " and ",
               At(s)));
  };
  for (const TransferSighting& s : trail.requested) {
    if (CheckAgreement(*t, s)) place(s, &t->destination, &Side::start);
  }
  for (const TransferSighting& s : trail.initiated) {
    if (CheckAgreement(*t, s)) place(s, &t->source, &Side::start);
  }
  for (const TransferSighting& s : trail.in) {
    if (CheckAgreement(*t, s)) place(s, &t->destination, &Side::end);
  }
  for (const TransferSighting& s : trail.out) {
    if (CheckAgreement(*t, s)) place(s, &t->source, &Side::end);
  }
  for (const TransferSighting& s : trail.voided) {
    const auto on = [&](const Side& side) {
      return NameOf(s) == side.name && s.entry.scheme_id() == side.scheme;
    };
    if (s.entry.person_id() != t->person) {
      Add("details-differ", *t, NameOf(s), {&s},
          StrCat(At(s), " is another person's than the transfer's other entries"));
    } else if (on(t->destination)) {
      place(s, &t->destination, &Side::voided);
    } else if (on(t->source)) {
      place(s, &t->source, &Side::voided);
    } else {
      Add("details-differ", *t, NameOf(s), {&s},
          StrCat(At(s), " is in neither the source's scheme (", t->source.name, " ",
                 t->source.scheme, ") nor the destination's (", t->destination.name, " ",
                 t->destination.scheme, ")"));
    }
  }
}

// Within one log, an entry comes after the entries it follows from.
void TransferChecker::CheckOrder(const Transfer& t) {
  const auto before = [&](const TransferSighting* first, const TransferSighting* then) {
    if (first == nullptr || then == nullptr || first->node != then->node) return;
    if (then->index > first->index) return;
    Add("out-of-order", t, NameOf(*then), {first, then},
        StrCat(At(*then), " comes before ", At(*first), ", which it follows from"));
  };
  const Side& d = t.destination;
  const Side& s = t.source;
  before(d.start, d.end);
  before(d.start, d.voided);
  before(s.start, s.end);
  before(s.start, s.voided);
  // Both sides in one log (a transfer between two schemes of one node): the protocol's order.
  before(d.start, s.start);
  before(s.start, d.end);
  before(d.end, s.end);
}

// Each entry follows from another: requested -> initiated -> in -> out. Across two logs a
// missing predecessor is judged only for entries read in the first pass (see TransferLogs).
void TransferChecker::CheckPrecedents(const Transfer& t) {
  const Side& d = t.destination;
  const Side& s = t.source;
  for (const TransferSighting* e : {d.end, d.voided}) {
    if (e != nullptr && d.start == nullptr) {
      Add("missing-transfer-requested", t, d.name, {e},
          StrCat(At(*e), " ends a transfer its log never requested"));
    }
  }
  for (const TransferSighting* e : {s.end, s.voided}) {
    if (e != nullptr && s.start == nullptr) {
      Add("missing-transfer-initiated", t, s.name, {e},
          StrCat(At(*e), " ends a transfer its log never initiated"));
    }
  }
  if (!d.node || !s.node) return;
  if (s.start != nullptr && d.start == nullptr && FirstPass(*s.start)) {
    Add("missing-transfer-requested", t, d.name, {s.start},
        StrCat(d.name, "'s log has no transfer_requested for ", At(*s.start)));
  }
  if (d.end != nullptr && s.start == nullptr && FirstPass(*d.end)) {
    Add("missing-transfer-initiated", t, s.name, {d.end},
        StrCat(At(*d.end), " credits a package but ", s.name,
               "'s log has no transfer_initiated for it"));
  }
  if (s.end != nullptr && d.end == nullptr && FirstPass(*s.end)) {
    Add("missing-transfer-in", t, d.name, {s.end},
        StrCat(At(*s.end), " records the account as moved but ", d.name,
               "'s log has no transfer_in: nothing was credited"));
  }
}

// A transfer ends once on each side, and both sides end it the same way.
void TransferChecker::CheckEndings(const Transfer& t) {
  const Side& d = t.destination;
  const Side& s = t.source;
  if (d.end != nullptr && d.voided != nullptr) {
    Add("ended-differently", t, d.name, {d.end, d.voided},
        StrCat("the destination both credited (", At(*d.end), ") and voided (", At(*d.voided),
               ") the transfer"));
  }
  if (s.end != nullptr && s.voided != nullptr) {
    Add("ended-differently", t, s.name, {s.end, s.voided},
        StrCat("the source both moved (", At(*s.end), ") and voided (", At(*s.voided),
               ") the transfer"));
  }
  if (d.end != nullptr && s.voided != nullptr) {
    Add("ended-differently", t, d.name, {d.end, s.voided},
        StrCat(At(*d.end), " credited the transfer but ", At(*s.voided),
               " released the account at the source: the months count at both"));
  }
  if (s.end != nullptr && d.voided != nullptr) {
    Add("ended-differently", t, s.name, {s.end, d.voided},
        StrCat(At(*s.end), " moved the account but ", At(*d.voided),
               " voided the transfer at the destination: nothing was credited"));
  }
}

void TransferChecker::CheckFigures(const Transfer& t) {
  const TransferSighting* in = t.destination.end;
  const TransferSighting* out = t.source.end;
  const TransferSighting* initiated = t.source.start;
  const v1::TransferFigures& credited = in->entry.transfer_in().figures();
  if (out != nullptr && !SameFigures(credited, out->entry.transfer_out().figures())) {
    Add("figures-differ", t, t.destination.name, {in, out},
        StrCat(At(*in), " records ", FiguresText(credited), "; ", At(*out), " records ",
               FiguresText(out->entry.transfer_out().figures())));
  }
  if (out != nullptr && initiated != nullptr &&
      !SameFigures(initiated->entry.transfer_initiated().figures(),
                   out->entry.transfer_out().figures())) {
    Add("figures-differ", t, t.source.name, {initiated, out},
        StrCat(At(*initiated), " records ",
               FiguresText(initiated->entry.transfer_initiated().figures()), "; ", At(*out),
               " records ", FiguresText(out->entry.transfer_out().figures())));
  }
}

// The package the destination credited held every entry of the person in the source scheme up to
// the initiation, proved against a tree that is a prefix of the source's log.
void TransferChecker::CheckPackage(const Transfer& t) {
  const TransferSighting* in = t.destination.end;
  const TransferSighting* initiated = t.source.start;
  const v1::TransferIn& credited = in->entry.transfer_in();
  const TransferLogs::Log& source = logs_.log(*t.source.node);
  int64_t held = 0;
  if (const auto it = source.persons.find(t.person); it != source.persons.end()) {
    for (const ledger::HistoryEntry& h : it->second) {
      if (h.entry.scheme_id() == t.source.scheme &&
          h.index <= static_cast<uint64_t>(initiated->index)) {
        ++held;
      }
    }
  }
  if (held != credited.source_entry_count()) {
    Add("incomplete-package", t, t.destination.name, {in, initiated},
        StrCat(t.source.name, "'s log holds ", held, " entries of the person in ", t.source.scheme,
               " up to ", At(*initiated), ", but ", At(*in), " credited a package of ",
               credited.source_entry_count()));
  }
  const int64_t size = static_cast<int64_t>(credited.source_tree_size());
  if (size <= initiated->index) {
    Add("incomplete-package", t, t.destination.name, {in, initiated},
        StrCat(At(*in), " was checked against ", t.source.name, "'s tree of size ", size,
               ", which does not hold ", At(*initiated)));
    return;
  }
  if (size > source.tree.size()) {
    Add("package-not-in-source-log", t, t.destination.name, {in},
        StrCat(At(*in), " was checked against ", t.source.name, "'s tree of size ", size,
               ", but its log has ", source.tree.size(), " entries"));
    return;
  }
  absl::StatusOr<Hash> root = source.tree.PrefixRoot(size);
  const std::string want = root.ok() ? std::string(root->begin(), root->end()) : "";
  if (credited.source_root_hash() != want) {
    Add("package-not-in-source-log", t, t.destination.name, {in},
        StrCat(At(*in), " was checked against root ",
               crypto::HexEncode(crypto::AsBytes(credited.source_root_hash())), " of size ", size,
               ", but the first ", size, " entries of ", t.source.name, "'s log hash to ",
               root.ok() ? HashHex(*root) : std::string(ToStd(root.status().message()))));
  }
}

// What was credited and moved against what the rules give for the entries before the transfer:
// the source's entries in the source scheme up to the initiation (log 0) and the destination's
// other entries before the transfer_in (log 1), as the destination planned it.
bool TransferChecker::CheckRules(const Transfer& t) {
  const TransferSighting* in = t.destination.end;
  const TransferSighting* initiated = t.source.start;
  const TransferSighting* out = t.source.end;
  ledger::History history;
  const auto add = [&](const TransferLogs::Log& log, uint32_t log_number, auto keep) {
    const auto it = log.persons.find(t.person);
    if (it == log.persons.end()) return;
    for (const ledger::HistoryEntry& h : it->second) {
      if (!keep(h)) continue;
      history.push_back(h);
      history.back().log = log_number;
    }
  };
  add(logs_.log(*t.source.node), 0, [&](const ledger::HistoryEntry& h) {
    return h.entry.scheme_id() == t.source.scheme &&
           h.index <= static_cast<uint64_t>(initiated->index);
  });
  add(logs_.log(in->node), 1, [&](const ledger::HistoryEntry& h) {
    return h.entry.scheme_id() != t.source.scheme && h.index < static_cast<uint64_t>(in->index);
  });
  ledger::TransferRequest request;
  absl::StatusOr<ledger::SchemeId> source = ledger::ParseSchemeId(t.source.scheme);
  absl::StatusOr<ledger::SchemeId> destination = ledger::ParseSchemeId(t.destination.scheme);
  absl::StatusOr<ledger::Date> date = ledger::ParseDate(in->entry.transfer_in().date());
  const absl::Status unplanned = !source.ok()        ? source.status()
                                 : !destination.ok() ? destination.status()
                                                     : date.status();
  absl::StatusOr<std::vector<ledger::TransferFinding>> findings;
  if (!unplanned.ok()) {
    findings = unplanned;
  } else {
    request.source = *source;
    request.destination = *destination;
    request.date = *date;
    request.officially_approved = t.officially_approved;
    request.transfer_id = t.id;
    const v1::TransferFigures& moved = out != nullptr
                                           ? out->entry.transfer_out().figures()
                                           : initiated->entry.transfer_initiated().figures();
    findings = ledger::VerifyTransfer(*options_.rules, t.person, history, request, moved,
                                      in->entry.transfer_in().figures());
  }
  if (!findings.ok()) {
    Add("rules-refuse", t, t.destination.name, {initiated, in},
        StrCat("the rules cannot plan the transfer from the logs' entries: ",
               ToStd(findings.status().message())));
    return false;
  }
  for (const ledger::TransferFinding& f : *findings) {
    Add(f.check, t, t.destination.name, {initiated, in, out}, f.message);
  }
  return true;
}

void TransferChecker::CheckDeadline(const Transfer& t) {
  if (!PastDeadline(t)) return;
  const Side& d = t.destination;
  const Side& s = t.source;
  const int64_t late_ms = options_.now_unix_ms - *t.deadline_ms;
  const std::string late =
      StrCat(late_ms / 1000, ".", late_ms % 1000 / 100, " s after the transfer's deadline (",
             ledger::FormatDate(ledger::DateFromUnixMs(*t.deadline_ms)), ")");
  const bool source_open = s.node && s.start != nullptr && s.end == nullptr && s.voided == nullptr;
  if (source_open && d.end != nullptr) {
    Add("missing-transfer-out", t, s.name, {d.end, s.start},
        StrCat(At(*d.end), " credited the transfer but ", s.name,
               " has neither transfer_out nor transfer_voided ", late));
  } else if (source_open) {
    Add("pending-past-deadline", t, s.name, {s.start},
        StrCat(At(*s.start), " holds the account pending with no transfer_out or transfer_voided ",
               late));
  }
  if (d.node && d.start != nullptr && d.end == nullptr && d.voided == nullptr) {
    Add("pending-past-deadline", t, d.name, {d.start},
        StrCat(At(*d.start), " has no transfer_in or transfer_voided ", late));
  }
}

void TransferChecker::Count(const Transfer& t) {
  const Side& d = t.destination;
  const Side& s = t.source;
  if (!d.node || !s.node) {
    ++report_->skipped;
  } else if (d.end != nullptr && s.end != nullptr) {
    ++report_->completed;
  } else if (d.end == nullptr && s.end == nullptr && (d.voided != nullptr || s.voided != nullptr) &&
             (d.start == nullptr || d.voided != nullptr) &&
             (s.start == nullptr || s.voided != nullptr)) {
    ++report_->voided;
  } else {
    ++report_->in_progress;
  }
}

void TransferChecker::CheckMonthsCountedOnce() {
  for (const auto& [person, credits] : credits_) {
    std::set<ledger::SchemeKind> kinds;
    for (const Credit& c : credits) {
      kinds.insert(c.source.kind);
      kinds.insert(c.destination.kind);
    }
    for (const ledger::SchemeKind kind : kinds) CheckPersonMonths(person, kind, credits);
  }
}

// Every month of the person in schemes of `kind` is counted at one node in one scheme.
void TransferChecker::CheckPersonMonths(const std::string& person, ledger::SchemeKind kind,
                                        const std::vector<Credit>& credits) {
  Transfer t;
  for (const Credit& c : credits) StrAppend(&t.id, t.id.empty() ? "" : ",", c.transfer_id);
  std::map<int32_t, std::vector<std::string>> where;  // month -> "node scheme"
  for (size_t n = 0; n < logs_.size(); ++n) {
    const TransferLogs::Log& log = logs_.log(n);
    const auto it = log.persons.find(person);
    if (it == log.persons.end()) continue;
    std::set<std::string> schemes;
    for (const ledger::HistoryEntry& h : it->second) {
      absl::StatusOr<ledger::SchemeId> scheme = ledger::ParseSchemeId(h.entry.scheme_id());
      if (scheme.ok() && scheme->kind == kind) schemes.insert(h.entry.scheme_id());
    }
    for (const std::string& scheme : schemes) {
      absl::StatusOr<ledger::Entitlement> e = ledger::ComputeEntitlement(
          *options_.rules, person, it->second, *ledger::ParseSchemeId(scheme), options_.as_of);
      if (!e.ok()) {
        Add("rules-refuse", t, log.name, {},
            StrCat("the rules cannot count the months of ", ledger::MaskPersonId(person), " in ",
                   scheme, " at ", log.name, ": ", ToStd(e.status().message())));
        continue;
      }
      for (const int32_t month : e->months) where[month].push_back(StrCat(log.name, " ", scheme));
    }
  }
  std::vector<int32_t> twice;
  for (const auto& [month, places] : where) {
    if (places.size() > 1) twice.push_back(month);
  }
  if (twice.empty()) return;
  const std::vector<std::string>& places = where[twice.front()];
  std::string text;
  for (const std::string& p : places) StrAppend(&text, text.empty() ? "" : " and ", p);
  AuditFinding f;
  f.code = "month-counted-twice";
  f.node = places.front().substr(0, places.front().find(' '));
  f.transfer_id = t.id;
  for (const Credit& c : credits) f.entries.push_back(c.transfer_in);
  f.message = StrCat(twice.size(), " months of ", ledger::MaskPersonId(person), " in ",
                     ledger::SchemeKindName(kind), " are counted in two places, first ",
                     ledger::FormatMonth(twice.front()), " at ", text);
  report_->findings.push_back(std::move(f));
}

}  // namespace

TransferReport CheckTransfers(const TransferLogs& logs, const TransferAuditOptions& options) {
  TransferReport report;
  TransferChecker checker(logs, options, &report);
  for (const auto& [id, trail] : logs.trails()) checker.Check(id, trail);
  checker.CheckMonthsCountedOnce();
  return report;
}

}  // namespace pbl::verifier
