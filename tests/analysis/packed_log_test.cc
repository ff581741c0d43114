// RunFacts keeps operations and acknowledgements bit-packed (analysis/packed_log.h): what is
// read back must be exactly what was recorded, whatever the values, and a long history must
// take a fraction of the plain structs' memory.
#include "analysis/packed_log.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/history.h"

namespace cutover::analysis {
namespace {

TimePoint at_us(std::int64_t us) { return TimePoint(models::Duration(us)); }

bool same(const Operation& a, const Operation& b) {
  return a.client_region == b.client_region && a.kind == b.kind && a.key == b.key &&
         a.invoked_at == b.invoked_at && a.completed_at == b.completed_at &&
         a.outcome == b.outcome && a.version == b.version && a.client == b.client &&
         a.session == b.session && a.request_sequence == b.request_sequence && a.node == b.node &&
         a.write_id == b.write_id;
}

// Like the simulator's: 5 clients in 5 regions, open-loop sessions, a write's id its own
// request, completions 200 us apart, latencies under 1 s, keys from 10,000.
Operation typical(std::uint64_t i) {
  const bool write = i % 5 == 0;
  const std::uint32_t client = static_cast<std::uint32_t>(i % 5);
  const std::uint64_t sequence = i / 5;
  Operation op{
      .client_region = client,
      .kind = write ? OpKind::kWrite : OpKind::kRead,
      .key = (i * 7919) % 10'000,
      .invoked_at = at_us(static_cast<std::int64_t>(200 * i)),
      .completed_at = at_us(static_cast<std::int64_t>(200 * i + 1000 + (i * 31) % 900'000)),
      .outcome = i % 97 == 0 ? OpOutcome::kTimedOut : OpOutcome::kOk,
      .version = Version{models::Epoch(1 + i / 50'000), models::LogIndex(i / 5)},
      .client = models::ClientId(client),
      .session = sequence,
      .request_sequence = sequence};
  if (op.outcome == OpOutcome::kOk) op.node = NodeId(static_cast<std::uint32_t>(i % 15));
  if (write) op.write_id = WriteId{op.client, sequence};
  return op;
}

// Values at the edges of every field's type, and the relations the codec stores as
// differences broken (a retry's write id, a closed-loop session, completion before invocation).
std::vector<Operation> extremes() {
  const auto max64 = std::numeric_limits<std::uint64_t>::max();
  const auto max32 = std::numeric_limits<std::uint32_t>::max();
  const auto min_time = std::numeric_limits<std::int64_t>::min();
  const auto max_time = std::numeric_limits<std::int64_t>::max();
  std::vector<Operation> ops;
  ops.push_back(Operation{});
  ops.push_back(Operation{.client_region = max32,
                          .kind = OpKind::kWrite,
                          .key = max64,
                          .invoked_at = at_us(min_time),
                          .completed_at = at_us(max_time),
                          .outcome = OpOutcome::kRejected,
                          .version = Version{models::Epoch(max64), models::LogIndex(max64)},
                          .client = models::ClientId(max32),
                          .session = 3,
                          .request_sequence = max64,
                          .node = NodeId(max32),
                          .write_id = WriteId{models::ClientId(0), 0}});
  ops.push_back(Operation{.kind = OpKind::kWrite,
                          .invoked_at = at_us(max_time),
                          .completed_at = at_us(min_time),
                          .outcome = OpOutcome::kFailed,
                          .client = models::ClientId(4),
                          .session = max64,
                          .request_sequence = 17,
                          .node = NodeId(0),
                          .write_id = WriteId{models::ClientId(max32), max64}});
  ops.push_back(Operation{.invoked_at = at_us(-5), .completed_at = at_us(-7), .session = 1});
  return ops;
}

TEST(PackedLog, EveryRecordReadsBackExactlyAcrossChunks) {
  OperationLog log;
  std::vector<Operation> plain;
  const std::size_t count = 3 * OperationLog::kChunkRecords + 123;  // three sealed, one open
  for (std::uint64_t i = 0; i < count; ++i) {
    // The extremes land inside a sealed chunk, among typical records.
    if (i == 5000) {
      for (const Operation& op : extremes()) plain.push_back(op);
    }
    plain.push_back(typical(i));
  }
  for (const Operation& op : plain) log.push_back(op);
  ASSERT_EQ(log.size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    ASSERT_TRUE(same(log[i], plain[i])) << "record " << i;
  }
  // Iteration agrees with indexing, forwards and backwards.
  std::size_t i = 0;
  for (const Operation& op : log) ASSERT_TRUE(same(op, plain[i++]));
  EXPECT_EQ(i, plain.size());
  EXPECT_TRUE(same(*log.rbegin(), plain.back()));
  EXPECT_EQ(std::distance(log.rbegin(), log.rend()), static_cast<std::ptrdiff_t>(plain.size()));
  EXPECT_EQ(log.rbegin()->key, plain.back().key);
}

// Every field constant across a chunk: the chunk keeps no bits at all, and reading any record
// of it (the last included, whose fields would sit at the end of an empty bit array) touches
// no storage.
TEST(PackedLog, AChunkOfIdenticalRecordsKeepsNoBitsAndReadsBack) {
  OperationLog log;
  for (std::size_t i = 0; i < OperationLog::kChunkRecords; ++i) log.push_back(typical(3));
  log.push_back(typical(4));  // opens the next chunk
  const std::size_t open_buffer = OperationLog::kChunkRecords * sizeof(Operation);
  EXPECT_LT(log.memory_bytes() - open_buffer, 400u);  // the sealed chunk's header only
  for (std::size_t i = 0; i < OperationLog::kChunkRecords; ++i) {
    ASSERT_TRUE(same(log[i], typical(3))) << "record " << i;
  }
  EXPECT_TRUE(same(log[OperationLog::kChunkRecords], typical(4)));
}

TEST(PackedLog, ReplaceRewritesOneRecordInASealedChunk) {
  OperationLog log;
  for (std::uint64_t i = 0; i < OperationLog::kChunkRecords + 10; ++i) log.push_back(typical(i));
  Operation changed = extremes()[1];
  log.replace(7, changed);
  log.replace(OperationLog::kChunkRecords + 2, changed);  // in the open chunk
  EXPECT_TRUE(same(log[7], changed));
  EXPECT_TRUE(same(log[OperationLog::kChunkRecords + 2], changed));
  EXPECT_TRUE(same(log[6], typical(6)));
  EXPECT_TRUE(same(log[8], typical(8)));
  EXPECT_THROW(log.replace(log.size(), changed), std::out_of_range);
  EXPECT_THROW(static_cast<void>(log.at(log.size())), std::out_of_range);
}

TEST(PackedLog, AcknowledgementsReadBackExactly) {
  AckLog log;
  std::vector<AckRecord> plain;
  for (std::uint64_t i = 0; i < AckLog::kChunkRecords + 50; ++i) {
    plain.push_back(AckRecord{.at = at_us(static_cast<std::int64_t>(200 * i)),
                              .node = NodeId(static_cast<std::uint32_t>(i % 3)),
                              .epoch = models::Epoch(2 + i / 1000),
                              .kind = i % 5 == 0 ? OpKind::kWrite : OpKind::kRead,
                              .accepted_at = at_us(static_cast<std::int64_t>(200 * i) - 150'000)});
  }
  // A late acknowledgement of a write accepted long before (a paused primary), and one whose
  // acceptance is recorded after it (not produced by the simulator, still kept exactly).
  plain[100].accepted_at = at_us(-1);
  plain[101].accepted_at = at_us(std::numeric_limits<std::int64_t>::max());
  for (const AckRecord& ack : plain) log.push_back(ack);
  std::size_t i = 0;
  for (const AckRecord& ack : log) {
    const AckRecord& want = plain[i++];
    ASSERT_EQ(ack.at, want.at);
    ASSERT_EQ(ack.node, want.node);
    ASSERT_EQ(ack.epoch, want.epoch);
    ASSERT_EQ(ack.kind, want.kind);
    ASSERT_EQ(ack.accepted_at, want.accepted_at);
  }
  EXPECT_EQ(i, plain.size());
}

// The memory target (issue 8) rests on this: typical operations take under 16 bytes each, a
// tenth of the 112-byte struct. Worked out for the records above, per 4,096-record chunk:
// completion 20 bits (range 819,200 + 126,976 us), latency 17 (126,976 us), key 14, epoch 0-1,
// index 10, client 3, sequence 10, node 4, region 3, kind 1, outcome 2, write flag 1, session
// and write id 0 (equal to the sequence): 85-86 bits, 10.63-10.75 bytes, plus ~0.07 bytes of
// per-chunk header (304 bytes: each field's base, mask and offset).
TEST(PackedLog, TypicalOperationsTakeAboutElevenBytesEach) {
  OperationLog log;
  const std::size_t count = 16 * OperationLog::kChunkRecords;
  for (std::uint64_t i = 0; i < count; ++i) log.push_back(typical(i));
  const std::size_t open_buffer = OperationLog::kChunkRecords * sizeof(Operation);
  const double bytes_per_record =
      static_cast<double>(log.memory_bytes() - open_buffer) / static_cast<double>(count);
  EXPECT_GT(bytes_per_record, 10.6);
  EXPECT_LT(bytes_per_record, 10.85);
}

}  // namespace
}  // namespace cutover::analysis
