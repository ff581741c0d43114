// report.html's content without a browser (analysis/html_report.h): the data the page embeds
// is report.json plus series computed here, it survives the trip through the page intact, and
// no text in it can break out of its <script> element. tests/sim/html_report_page_test.cc loads
// real pages in Chromium.
#include "analysis/html_report.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/html_report_assets.h"
#include "analysis/report.h"

#include "tests/analysis/facts_builder.h"

namespace cutover::analysis {
namespace {

using nlohmann::json;
using testing::at_ms;
using testing::FactsBuilder;
using testing::version;

// Two replicas sampled every 100 ms for 0.3 s; replica 1 has a gap (NaN) and no primary at
// 0.2 s. Three writes of 10, 20 and 40 ms.
RunFacts sampled_run() {
  FactsBuilder b;
  b.simulated_s(10);
  b.write(0, 10, OpOutcome::kOk, 1, version(1, 1));
  b.write(100, 120, OpOutcome::kOk, 2, version(1, 2));
  b.write(5000, 5040, OpOutcome::kOk, 3, version(1, 3));
  b.survive(1, version(1, 1)).survive(2, version(1, 2)).survive(3, version(1, 3));
  RunFacts& facts = b.facts();
  facts.lag.times = {at_ms(0), at_ms(100), at_ms(200)};
  facts.lag.primary = {NodeId(0), NodeId(0), std::nullopt};
  const double gap = std::numeric_limits<double>::quiet_NaN();
  facts.lag.lag_ms = {{0.0, 0.0, 0.0}, {1.25, 2.0004, gap}};
  return facts;
}

json report_for(const RunFacts& facts) { return build_report(facts, {}, {{"wall_s", 0.5}}); }

// The text of the page's data element, parsed.
json embedded_data(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  const std::size_t end = page.find("</script>", begin);
  return json::parse(page.substr(begin + open.size(), end - begin - open.size()));
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

TEST(HtmlReportData, HoldsReportJsonVerbatim) {
  const RunFacts facts = sampled_run();
  const json report = report_for(facts);
  EXPECT_EQ(html_report_data(report, facts).at("report"), report);
}

TEST(HtmlReportData, LagColumnsAreTimeseriesCsvByColumn) {
  const RunFacts facts = sampled_run();
  const json lag = html_report_data(report_for(facts), facts).at("lag");
  EXPECT_EQ(lag.at("time_s"), json({0.0, 0.1, 0.2}));
  EXPECT_EQ(lag.at("primary"), json({"us-east-1-0", "us-east-1-0", nullptr}));
  ASSERT_EQ(lag.at("replicas").size(), 2u);
  EXPECT_EQ(lag.at("replicas")[1].at("name"), "eu-west-1-0");
  // 2.0004 rounds to the microsecond as timeseries.csv prints it; the gap is null (an empty cell).
  EXPECT_EQ(lag.at("replicas")[1].at("lag_ms"), json({1.25, 2.0, nullptr}));
  std::istringstream csv(render_timeseries_csv(facts));
  std::string header, first, second, third;
  std::getline(csv, header);
  std::getline(csv, first);
  std::getline(csv, second);
  std::getline(csv, third);
  EXPECT_EQ(second, "0.100,us-east-1-0,0.000,2.000");
  EXPECT_EQ(third, "0.200,,0.000,");
}

TEST(HtmlReportData, LatencySeriesCoverTheRunInRoundBuckets) {
  const RunFacts facts = sampled_run();
  const json data = html_report_data(report_for(facts), facts);
  const json& timeline = data.at("latency_over_time");
  // 10 s in at most 120 buckets: 0.1 s each, 100 of them.
  EXPECT_EQ(timeline.at("bucket_s"), 0.1);
  ASSERT_EQ(timeline.at("start_s").size(), 100u);
  EXPECT_EQ(timeline.at("end_s").back(), 10.0);
  // Bucket 0 holds the 10 ms write (completed at 10 ms), bucket 1 the 20 ms one (at 120 ms).
  EXPECT_EQ(timeline.at("write").at("p99_ms")[0], 10.0);
  EXPECT_EQ(timeline.at("write").at("p99_ms")[1], 20.0);
  EXPECT_EQ(timeline.at("write").at("p99_ms")[2], nullptr);
  EXPECT_EQ(timeline.at("write").at("ok")[50], 1);
  const json& cdf = data.at("latency_cdf").at("write");
  EXPECT_EQ(cdf.at("latency_ms"), json({10.0, 20.0, 40.0}));
  EXPECT_EQ(cdf.at("fraction"), json({0.333333, 0.666667, 1.0}));
  EXPECT_TRUE(data.at("latency_cdf").at("read").at("latency_ms").empty());
}

TEST(HtmlReportPage, EmbedsTheDataChartJsAndATitleAndNothingElseChangesTheTemplate) {
  const RunFacts facts = sampled_run();
  const json report = report_for(facts);
  const std::string page = render_html_report(report, facts);
  EXPECT_EQ(embedded_data(page), html_report_data(report, facts));
  EXPECT_NE(page.find("<title>cutover: hand-written</title>"), std::string::npos);
  EXPECT_NE(page.find(std::string(html_assets::chart_js())), std::string::npos);
  EXPECT_EQ(page.find("{{"), std::string::npos) << "a placeholder was left unfilled";
  EXPECT_EQ(html_assets::chart_js_version().substr(0, 2), "3.");
}

TEST(HtmlReportPage, NoScenarioNameCanCloseTheDataScriptOrTheTitle) {
  RunFacts facts = sampled_run();
  facts.scenario = "evil</script><script>alert(1)</script><!-- & {{data}}";
  const json report = report_for(facts);
  const std::string page = render_html_report(report, facts);
  // Only the template's own script elements close.
  EXPECT_EQ(occurrences(page, "</script>"),
            occurrences(std::string(html_assets::page_template()), "</script>"));
  EXPECT_EQ(occurrences(page, "<!--"),
            occurrences(std::string(html_assets::page_template()), "<!--"));
  EXPECT_NE(page.find("<title>cutover: evil&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
                      "&lt;!-- &amp; {{data}}</title>"),
            std::string::npos);
  // The name comes back intact from the page's data, and a placeholder in it stayed text.
  EXPECT_EQ(embedded_data(page).at("report").at("scenario"), facts.scenario);
}

}  // namespace
}  // namespace cutover::analysis
