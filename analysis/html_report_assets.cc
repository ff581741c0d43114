#include "analysis/html_report_assets.h"

namespace cutover::analysis::html_assets {
namespace {
// Defines kPageTemplate, kChartJs and kChartJsVersion (generated; see analysis/CMakeLists.txt).
#include "html_report_assets.inc"
}  // namespace

std::string_view page_template() { return kPageTemplate; }
std::string_view chart_js() { return kChartJs; }
std::string_view chart_js_version() { return kChartJsVersion; }

}  // namespace cutover::analysis::html_assets
