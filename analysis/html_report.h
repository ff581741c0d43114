// report.html: the report for people. One self-contained file that opens offline: the page
// template and Chart.js are compiled into cutover (analysis/html_report_assets.h), and the run's
// figures are one JSON object embedded in the page. `cutover run` writes it next to report.json.
//
// The page shows the same figures as report.json: its data holds report.json verbatim, and
// every series a chart plots is computed here, in C++, with the report's rounding (times and
// latencies to 3 decimals). The page's script lays them out and prints them with fixed decimals;
// it computes nothing (analysis/html_report_template.html says how it formats each kind).
//
// The embedded object (html_report_data):
//   report              report.json, as built by build_report (any section it holds, e.g. cost)
//   lag                 timeseries.csv as columns: time_s[], primary[] (null: none),
//                       replicas[] {name, lag_ms[] (null: no sample)}, replicas in RunFacts order
//   latency_over_time   latency_series.h's LatencyTimeline: bucket_s, start_s[], end_s[],
//                       {write,read}.{ok[], errors[], p50_ms[], p99_ms[] (null: nothing acked)}
//   latency_cdf         {write,read}.{latency_ms[], fraction[]}: latency_series.h's latency_cdf
//   chart_library       "Chart.js <version>", for the footer
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "analysis/history.h"

namespace cutover::analysis {

// The page's data. REQUIRES: `report` was built by build_report from `facts`.
nlohmann::json html_report_data(const nlohmann::json& report, const RunFacts& facts);

// The whole page: the template with the title, the data and Chart.js filled in. The data is
// escaped so no text in it (a scenario named "</script>") can end its <script> element.
std::string render_html_report(const nlohmann::json& report, const RunFacts& facts);

}  // namespace cutover::analysis
