#include "analysis/history_jsonl.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/core/check.h"

#include "facts_builder.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;
using testing::FactsBuilder;
using testing::version;

const std::vector<std::string> kRegions = {"us-east-1", "eu-west-1"};
const std::vector<std::string> kReplicas = {"us-east-1-0", "eu-west-1-0"};

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(HistoryJsonl, AnAcknowledgedWriteIsOneLineWithEveryField) {
  FactsBuilder b;
  const auto w = b.write(1250, 1262.5, OpOutcome::kOk, 7, version(1, 3));
  b.op(w).client = models::ClientId(2);
  b.op(w).request_sequence = 41;
  b.op(w).write_id = WriteId{models::ClientId(2), 41};
  b.op(w).node = NodeId(0);

  EXPECT_EQ(history_jsonl_line(b.op(w), kRegions, kReplicas),
            R"({"invoke_s":1.250000,"complete_s":1.262500,"outcome":"ok","kind":"write",)"
            R"("key":7,"version":{"epoch":1,"index":3},"client":2,"session":0,"sequence":41,)"
            R"("region":"us-east-1","node":"us-east-1-0","write_id":{"client":2,"sequence":41}})");
}

TEST(HistoryJsonl, UnknownOutcomesAndAbsentFieldsAreNull) {
  FactsBuilder b;
  const auto timed_out = b.write(0, 1000, OpOutcome::kTimedOut, 1, version(0, 0));
  const auto failed = b.read_of(5, 6, OpOutcome::kFailed, 2, version(0, 0), 1);
  const auto never_written = b.read_of(7, 8, OpOutcome::kOk, 3, version(0, 0), 1);
  b.op(failed).node = NodeId(1);

  const json a = json::parse(history_jsonl_line(b.op(timed_out), kRegions, kReplicas));
  EXPECT_EQ(a["outcome"], "indeterminate");
  EXPECT_TRUE(a["version"].is_null());
  EXPECT_TRUE(a["node"].is_null());
  EXPECT_EQ(a["write_id"], (json{{"client", 0}, {"sequence", 0}}));
  const json f = json::parse(history_jsonl_line(b.op(failed), kRegions, kReplicas));
  EXPECT_EQ(f["outcome"], "failed");
  EXPECT_EQ(f["kind"], "read");
  EXPECT_EQ(f["region"], "eu-west-1");
  EXPECT_EQ(f["node"], "eu-west-1-0");
  EXPECT_TRUE(f["write_id"].is_null());
  // An acknowledged read of a key never written: the initial version, not "unknown".
  const json r = json::parse(history_jsonl_line(b.op(never_written), kRegions, kReplicas));
  EXPECT_EQ(r["version"], (json{{"epoch", 0}, {"index", 0}}));
}

TEST(HistoryJsonl, WriterStreamsOneLinePerOperationInCompletionOrder) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.read_of(5, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(2, 3000.000001, OpOutcome::kTimedOut, 2, version(0, 0));
  std::ostringstream out;
  HistoryJsonlWriter writer(out, kRegions, kReplicas);
  for (const Operation& op : b.facts().operations) writer.append(op);

  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(writer.lines_written(), 3u);
  EXPECT_EQ(json::parse(lines[1])["kind"], "read");
  // Microseconds survive exactly: 3000.000001 ms rounds to 3 000 000 us.
  EXPECT_EQ(lines[2].substr(0, 42), R"({"invoke_s":0.002000,"complete_s":3.000000)");
}

TEST(HistoryJsonl, WriterRejectsAnOperationCompletingBeforeThePreviousOne) {
  FactsBuilder b;
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(0, 9, OpOutcome::kOk, 2, version(1, 2));
  std::ostringstream out;
  HistoryJsonlWriter writer(out, kRegions, kReplicas);
  writer.append(b.op(0));
  EXPECT_THROW(writer.append(b.op(1)), models::InvariantViolation);
  EXPECT_EQ(lines_of(out.str()).size(), 1u);
}

TEST(HistoryJsonl, UnknownRegionOrReplicaIsARecorderBug) {
  FactsBuilder b;
  const auto w = b.write(0, 10, OpOutcome::kOk, 1, version(1, 1), 5);
  EXPECT_THROW(history_jsonl_line(b.op(w), kRegions, kReplicas), models::InvariantViolation);
  b.op(w).client_region = 0;
  b.op(w).node = NodeId(9);
  EXPECT_THROW(history_jsonl_line(b.op(w), kRegions, kReplicas), models::InvariantViolation);
}

}  // namespace
}  // namespace cutover::analysis
