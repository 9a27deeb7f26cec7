// The charts of the HTML report, built from the results they draw: a diagnosis's std by layer and by time
// step, the probe's loss curves, the depth sweep's std by layer, and histograms of tensors. Each builder
// returns plain chart data (svg.h); the report lays them out.
//
//   ReportData page;
//   page.depth_profile = depth_profile_chart(diagnosis);
//   page.training = loss_chart(probe_result);
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/probe.h"
#include "nninit/report/svg.h"

namespace nninit::report {

// Activation std (each layer's output) and gradient std (at each layer's input), log-scale y, one point per
// layer call in forward order, the layers named on the x axis.
svg::LineChart depth_profile_chart(const diag::Diagnosis& diagnosis);

// One chart per recurrent layer and direction: the hidden state's std and the std of the gradient reaching
// it, by time step.
std::vector<svg::LineChart> over_time_charts(const diag::Diagnosis& diagnosis);

// The probe's loss curves, log-scale y, one series per candidate (a diverged run ends where it diverged).
svg::LineChart loss_chart(const diag::ProbeResult& result);

// Log-y charts by layer, one series per scheme: the activation std, and the gradient std.
svg::LineChart sweep_activation_chart(const diag::DepthSweep& sweep);
svg::LineChart sweep_gradient_chart(const diag::DepthSweep& sweep);

// A histogram of a tensor's finite values over `bins` equal bins spanning [min, max] (a one-bin-wide range
// around a constant tensor).
svg::Histogram histogram_of(std::string title, const Tensor& tensor, int bins = 40);

// Histograms of several tensors, (title, tensor) pairs, over one shared range: the smallest minimum to the
// largest maximum of them all, so that successive layers' widths compare by eye (a layer that shrinks the
// signal shows as a narrower histogram, not as the same shape under other tick labels).
std::vector<svg::Histogram> histograms_on_one_scale(std::span<const std::pair<std::string, Tensor>> tensors,
                                                    int bins = 40);

}  // namespace nninit::report
