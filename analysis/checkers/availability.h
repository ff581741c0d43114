// Availability and recovery time, as the clients saw them.
//
// Availability of an op kind = ok / (ok + failed + timed_out): the fraction of attempts the
// system acknowledged. A timed-out operation counts against availability even though its
// effect is unknown: the client did not get an answer. With no attempts of a kind there is
// nothing to measure, and availability is nullopt (null in the report) rather than 1.0 or 0.0,
// so an SLO over it fails instead of passing vacuously.
//
// RTO per disruptive FaultWindow: the time from the fault's start to the completion of the
// first (earliest-completing) kOk write INVOKED at or after that start. Writes already in
// flight at the start may still be acknowledged by the old primary; they show nothing about
// recovery, so they are ignored. Non-disruptive faults (latency changes) are not measured.
// A fault is "not recovered" when no such write exists before the end of the run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/history.h"

namespace cutover::analysis {

struct OpCounts {
  std::uint64_t attempted = 0;  // == ok + failed + timed_out + rejected
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t rejected = 0;  // by the read-only flag; not counted against availability

  void add(OpOutcome outcome);
};

OpCounts count_operations(const RunFacts& facts, OpKind kind);

// nullopt when counts.attempted == 0.
std::optional<double> availability(const OpCounts& counts);

struct FaultRecovery {
  std::size_t fault_index = 0;  // into RunFacts::faults
  std::string description;
  TimePoint start{};
  std::optional<TimePoint> end;  // the fault window's end; nullopt: lasted to the end of run
  std::optional<double> rto_ms;  // nullopt: never recovered
  bool recovered() const { return rto_ms.has_value(); }
};

struct Recovery {
  std::vector<FaultRecovery> faults;  // one per disruptive fault, in RunFacts::faults order
  // Max RTO over the disruptive faults. nullopt when there is no disruptive fault (nothing to
  // recover from) and also when any of them never recovered (the RTO is unbounded); `faults`
  // says which case applies.
  std::optional<double> rto_ms;
};

Recovery measure_recovery(const RunFacts& facts);

}  // namespace cutover::analysis
