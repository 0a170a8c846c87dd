// Printing transfer figures (what moves, is credited, refunded) for people and as JSON, each
// figure with its rule id and, when the rules are at hand, the rule's citation.
#ifndef PBL_CLI_FIGURES_VIEW_H_
#define PBL_CLI_FIGURES_VIEW_H_

#include <nlohmann/json.hpp>
#include <ostream>

#include "ledger/domain/rules.h"
#include "pbl/v1/entry.pb.h"
#include "pbl/v1/node.pb.h"

namespace pbl::cli {

// "2018-01..2022-12 (60 months)", "none".
std::string RangesText(const google::protobuf::RepeatedPtrField<v1::MonthRange>& ranges);

// One labelled line per figure, then the rules used with their citations.
void PrintFigures(const v1::TransferFigures& f, const ledger::RuleSet& rules, std::ostream& out);
nlohmann::json FiguresJson(const v1::TransferFigures& f);

void PrintTransferStatus(const v1::TransferStatus& s, const ledger::RuleSet& rules,
                         std::ostream& out);
nlohmann::json TransferStatusJson(const v1::TransferStatus& s);

}  // namespace pbl::cli

#endif  // PBL_CLI_FIGURES_VIEW_H_
