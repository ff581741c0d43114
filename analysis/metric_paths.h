// The numeric report values an SLO may name, as dotted paths into report.json
// ("latency_ms.write.p99", "replication_lag_ms.us-east-1-0.max", "rto_ms").
// One list, used by the scenario loader to reject unknown metrics and by the report to
// resolve them.
#pragma once

#include <string>
#include <vector>

namespace cutover::analysis {

// `phases` names RunFacts::phases (the per-phase stale-read figures); like region and replica
// names, a phase name must not contain '.'.
std::vector<std::string> known_metric_paths(const std::vector<std::string>& regions,
                                            const std::vector<std::string>& replicas,
                                            const std::vector<std::string>& phases = {});

}  // namespace cutover::analysis
