#include "analysis/history_jsonl.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "models/core/check.h"

namespace cutover::analysis {
namespace {

// Exact seconds with 6 decimals from integer microseconds: "12.000250".
std::string seconds_exact(TimePoint t) {
  const std::int64_t us = t.time_since_epoch().count();
  CUTOVER_CHECK(us >= 0, "negative simulated time " + std::to_string(us));
  std::string fraction = std::to_string(us % 1'000'000);
  fraction.insert(0, 6 - fraction.size(), '0');
  return std::to_string(us / 1'000'000) + "." + fraction;
}

const char* outcome_name(OpOutcome outcome) {
  switch (outcome) {
    case OpOutcome::kOk:
      return "ok";
    case OpOutcome::kFailed:
      return "failed";
    case OpOutcome::kTimedOut:
      return "indeterminate";
    case OpOutcome::kRejected:
      return "rejected";
  }
  return "indeterminate";
}

std::string version_json(const Operation& op) {
  if (op.outcome != OpOutcome::kOk && op.version == Version{}) return "null";
  return "{\"epoch\":" + std::to_string(op.version.epoch.value) +
         ",\"index\":" + std::to_string(op.version.index.value) + "}";
}

// A name as a JSON string (escaped by nlohmann::json: names are user-provided).
std::string quoted(const std::string& name) { return nlohmann::json(name).dump(); }

}  // namespace

std::string history_jsonl_line(const Operation& op, const std::vector<std::string>& regions,
                               const std::vector<std::string>& replicas) {
  CUTOVER_CHECK(op.client_region < regions.size(),
                "operation from unknown region " + std::to_string(op.client_region));
  CUTOVER_CHECK(!op.node || op.node->value < replicas.size(),
                "operation served by unknown replica " + std::to_string(op.node->value));
  std::string line = "{\"invoke_s\":" + seconds_exact(op.invoked_at);
  line += ",\"complete_s\":" + seconds_exact(op.completed_at);
  line += ",\"outcome\":\"" + std::string(outcome_name(op.outcome)) + "\"";
  line += std::string(",\"kind\":\"") + (op.kind == OpKind::kWrite ? "write" : "read") + "\"";
  line += ",\"key\":" + std::to_string(op.key);
  line += ",\"version\":" + version_json(op);
  line += ",\"client\":" + std::to_string(op.client.value);
  line += ",\"session\":" + std::to_string(op.session);
  line += ",\"sequence\":" + std::to_string(op.request_sequence);
  line += ",\"region\":" + quoted(regions[op.client_region]);
  line += ",\"node\":" + (op.node ? quoted(replicas[op.node->value]) : std::string("null"));
  line += ",\"write_id\":";
  line += op.write_id ? "{\"client\":" + std::to_string(op.write_id->client.value) +
                            ",\"sequence\":" + std::to_string(op.write_id->sequence) + "}"
                      : std::string("null");
  line += "}";
  return line;
}

HistoryJsonlWriter::HistoryJsonlWriter(std::ostream& out, std::vector<std::string> regions,
                                       std::vector<std::string> replicas)
    : out_(out), regions_(std::move(regions)), replicas_(std::move(replicas)) {}

void HistoryJsonlWriter::append(const Operation& op) {
  CUTOVER_CHECK(op.completed_at >= last_completed_at_,
                "history out of completion order at operation " + std::to_string(lines_written_));
  CUTOVER_CHECK(op.invoked_at <= op.completed_at,
                "operation completes before it is invoked, line " + std::to_string(lines_written_));
  out_ << history_jsonl_line(op, regions_, replicas_) << '\n';
  last_completed_at_ = op.completed_at;
  ++lines_written_;
}

}  // namespace cutover::analysis
