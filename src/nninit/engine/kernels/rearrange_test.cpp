// Values from real PyTorch (1.13.0a0, /usr/bin/python3), every element of the output and of the input's
// gradient, printed by this script:
//
//   import math, torch; nn = torch.nn
//   def inp(shape, phase):
//       return torch.tensor([math.cos(0.11 * i + phase) for i in range(math.prod(shape))],
//                           dtype=torch.float64).float().reshape(shape).requires_grad_(True)
//   def run(name, model, shape, backward=True):  # loss = (y * inp(y.shape, 0.5)).sum()
//       x = inp(shape, 0.0); y = model(x)
//       f = lambda t: ", ".join("%.9g" % v for v in t.detach().flatten().tolist())
//       print(name, list(y.shape)); print("  y", f(y))
//       if backward:  # PyTorch 1.13 has no derivative for channel_shuffle
//           (y * inp(y.shape, 0.5).detach()).sum().backward()
//           print("  dx", f(x.grad))
//   run("reflect2d", nn.ReflectionPad2d((1, 2, 2, 0)), (1, 2, 3, 4))
//   run("replicate1d", nn.ReplicationPad1d((3, 1)), (2, 3, 4))
//   run("constant2d", nn.ConstantPad2d((1, -1, 0, 2), 0.5), (1, 2, 3, 3))
//   run("zero2d", nn.ZeroPad2d(1), (1, 1, 2, 2))
//   run("pixel_shuffle", nn.PixelShuffle(2), (1, 8, 2, 3))
//   run("pixel_unshuffle", nn.PixelUnshuffle(2), (2, 1, 4, 2))
//   run("channel_shuffle", nn.ChannelShuffle(3), (1, 6, 2), backward=False)
//   run("upsample1d", nn.Upsample(scale_factor=2), (1, 2, 3))
//   run("upsample_size", nn.Upsample(size=(3, 5)), (1, 1, 2, 3))
//   run("upsample_fraction", nn.Upsample(scale_factor=1.5), (1, 1, 4, 4))
//   run("lrn3d", nn.LocalResponseNorm(3, alpha=0.5, beta=0.75, k=1.5), (2, 5, 3))
//   run("lrn4d", nn.LocalResponseNorm(2), (1, 4, 2, 2))
//   run("linear", nn.Upsample(scale_factor=2, mode='linear'), (1, 2, 3))
//   run("bilinear_align", nn.UpsamplingBilinear2d(size=(3, 5)), (1, 1, 2, 3))
//   run("bilinear_fraction", nn.Upsample(scale_factor=1.5, mode='bilinear'), (1, 1, 3, 3))
//   run("trilinear", nn.Upsample(size=(3, 2, 3), mode='trilinear'), (1, 1, 2, 2, 2))
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/engine/engine_test_support.h"
#include "nninit/engine/trace.h"
#include "nninit/nn/rearrange.h"

namespace nninit::engine {
namespace {

using testing::inp;

struct Case {
  const char* name;
  nn::ModulePtr module;
  Shape input;
  Shape output;
  std::vector<double> y;
  std::vector<double> dx;  // empty where PyTorch 1.13 has no derivative (channel_shuffle)
};

TEST(RearrangeKernels, MatchPyTorchForwardAndBackward) {
  const Case cases[] = {
      {"reflect2d",
       std::make_shared<nn::Pad>(
           nn::PadOptions{.mode = nn::PadMode::reflect, .dims = 2, .padding = {1, 2, 2, 0}}),
       {1, 2, 3, 4},
       {1, 2, 5, 7},
       {0.548689842,  0.637151122,   0.548689842,  0.453596115,
        0.353019387,  0.453596115,   0.548689842,  0.852524519,
        0.904751658,  0.852524519,   0.789992213,  0.717910647,
        0.789992213,  0.852524519,   0.993956089,  1,
        0.993956089,  0.975897431,   0.946042359,  0.975897431,
        0.993956089,  0.852524519,   0.904751658,  0.852524519,
        0.789992213,  0.717910647,   0.789992213,  0.852524519,
        0.548689842,  0.637151122,   0.548689842,  0.453596115,
        0.353019387,  0.453596115,   0.548689842,  -0.673699617,
        -0.588501096, -0.673699617,  -0.750754595, -0.818734586,
        -0.750754595, -0.673699617,  -0.294759363, -0.188076839,
        -0.294759363, -0.397878885,  -0.496188909, -0.397878885,
        -0.294759363, 0.140331611,   0.248175457,  0.140331611,
        0.0307914596, -0.0791208893, 0.0307914596, 0.140331611,
        -0.294759363, -0.188076839,  -0.294759363, -0.397878885,
        -0.496188909, -0.397878885,  -0.294759363, -0.673699617,
        -0.588501096, -0.673699617,  -0.750754595, -0.818734586,
        -0.750754595, -0.673699617},
       {-0.547357678, -1.99217117, -1.56849205,   -0.789014757, -0.785907805,  -2.86040187,
        -2.25207424,  -1.13288414, -0.0337078571, -0.122683764, -0.0965923667, -0.0485898256,
        0.960170269,  2.87334991,  1.98573422,    0.998904407,  1.37863302,    4.12561655,
        2.85115957,   1.43424821,  0.0591300875,  0.176949278,  0.122287303,   0.061515443}},
      {"replicate1d",
       std::make_shared<nn::Pad>(
           nn::PadOptions{.mode = nn::PadMode::replicate, .dims = 1, .padding = {3, 1}}),
       {2, 3, 4},
       {2, 3, 8},
       {1,
        1,
        1,
        1,
        0.993956089,
        0.975897431,
        0.946042359,
        0.946042359,
        0.904751658,
        0.904751658,
        0.904751658,
        0.904751658,
        0.852524519,
        0.789992213,
        0.717910647,
        0.717910647,
        0.637151122,
        0.637151122,
        0.637151122,
        0.637151122,
        0.548689842,
        0.453596115,
        0.353019387,
        0.353019387,
        0.248175457,
        0.248175457,
        0.248175457,
        0.248175457,
        0.140331611,
        0.0307914596,
        -0.0791208893,
        -0.0791208893,
        -0.188076839,
        -0.188076839,
        -0.188076839,
        -0.188076839,
        -0.294759363,
        -0.397878885,
        -0.496188909,
        -0.496188909,
        -0.588501096,
        -0.588501096,
        -0.588501096,
        -0.588501096,
        -0.673699617,
        -0.750754595,
        -0.818734586,
        -0.818734586},
       {3.1239121,    0.58978802,   0.497571051,  0.695620418,  0.102395236, -0.246632308,
        -0.351528853, -0.999533832, -2.99342966,  -0.904072165, -0.94552505, -1.96932864,
        -3.91692948,  -0.905428886, -0.853355885, -1.50998616,  -1.99792242, -0.249717966,
        -0.141908318, 0.0451498069, 1.37097216,   0.587212741,  0.67252183,  1.56752062}},
      {"constant2d",
       std::make_shared<nn::Pad>(
           nn::PadOptions{.mode = nn::PadMode::constant, .dims = 2, .padding = {1, -1, 0, 2}, .value = 0.5}),
       {1, 2, 3, 3},
       {1, 2, 5, 3},
       {0.5, 1,           0.993956089, 0.5, 0.946042359,   0.904751658,  0.5, 0.789992213, 0.717910647,
        0.5, 0.5,         0.5,         0.5, 0.5,           0.5,          0.5, 0.548689842, 0.453596115,
        0.5, 0.248175457, 0.140331611, 0.5, -0.0791208893, -0.188076839, 0.5, 0.5,         0.5,
        0.5, 0.5,         0.5},
       {0.819648027, 0.751805723, 0, 0.58978802, 0.497571051, 0, 0.296280861, 0.189640835, 0, -0.63592279,
        -0.716801047, 0, -0.851691008, -0.904072165, 0, -0.975548625, -0.993780017, 0}},
      {"zero2d",
       std::make_shared<nn::Pad>(
           nn::PadOptions{.mode = nn::PadMode::constant, .dims = 2, .padding = {1, 1, 1, 1}, .zero = true}),
       {1, 1, 2, 2},
       {1, 1, 4, 4},
       {0, 0, 0, 0, 0, 1, 0.993956089, 0, 0, 0.975897431, 0.946042359, 0, 0, 0, 0, 0},
       {0.497571051, 0.399339527, 0.0807084516, -0.029199522}},
      {"pixel_shuffle",
       std::make_shared<nn::Shuffle>(nn::ShuffleOptions{.kind = nn::ShuffleKind::pixel_shuffle, .factor = 2}),
       {1, 8, 2, 3},
       {1, 2, 4, 6},
       {1,
        0.789992213,
        0.993956089,
        0.717910647,
        0.975897431,
        0.637151122,
        0.248175457,
        -0.397878885,
        0.140331611,
        -0.496188909,
        0.0307914596,
        -0.588501096,
        0.946042359,
        0.548689842,
        0.904751658,
        0.453596115,
        0.852524519,
        0.353019387,
        -0.0791208893,
        -0.673699617,
        -0.188076839,
        -0.750754595,
        -0.294759363,
        -0.818734586,
        -0.876817882,
        -0.987479746,
        -0.924302399,
        -0.964194477,
        -0.960614085,
        -0.929254234,
        -0.683384776,
        -0.092257604,
        -0.599109948,
        0.0176101085,
        -0.507593155,
        0.127264947,
        -0.985314071,
        -0.883081257,
        -0.998103797,
        -0.826233864,
        -0.99882859,
        -0.759399056,
        -0.40994063,
        0.235381439,
        -0.307332873,
        0.340652674,
        -0.201010123,
        0.441806197},
       {0.87758255,   0.751805723,  0.58978802,   -0.246632308, -0.452176154, -0.63592279,  0.819648027,
        0.674875736,  0.497571051,  -0.351528853, -0.547357678, -0.716801047, 0.399339527,  0.189640835,
        -0.029199522, -0.789014757, -0.904072165, -0.975548625, 0.296280861,  0.0807084516, -0.138754532,
        -0.851691008, -0.94552505,  -0.993780017, -0.999998748, -0.976243794, -0.905428886, -0.249717966,
        -0.032383319, 0.186512366,  -0.994129658, -0.946557224, -0.853355885, -0.141908318, 0.0775331259,
        0.29323709,   -0.790967703, -0.638377845, -0.455014944, 0.396417201,  0.587212741,  0.74970156,
        -0.719018459, -0.550020635, -0.354509056, 0.494805515,  0.67252183,   0.817819118}},
      {"pixel_unshuffle",
       std::make_shared<nn::Shuffle>(
           nn::ShuffleOptions{.kind = nn::ShuffleKind::pixel_unshuffle, .factor = 2}),
       {2, 1, 4, 2},
       {2, 4, 2, 1},
       {1, 0.904751658, 0.993956089, 0.852524519, 0.975897431, 0.789992213, 0.946042359, 0.717910647,
        0.637151122, 0.248175457, 0.548689842, 0.140331611, 0.453596115, 0.0307914596, 0.353019387,
        -0.0791208893},
       {0.87758255, 0.751805723, 0.58978802, 0.399339527, 0.819648027, 0.674875736, 0.497571051, 0.296280861,
        0.189640835, -0.029199522, -0.246632308, -0.452176154, 0.0807084516, -0.138754532, -0.351528853,
        -0.547357678}},
      {"channel_shuffle",
       std::make_shared<nn::Shuffle>(
           nn::ShuffleOptions{.kind = nn::ShuffleKind::channel_shuffle, .factor = 3}),
       {1, 6, 2},
       {1, 6, 2},
       {1, 0.993956089, 0.904751658, 0.852524519, 0.637151122, 0.548689842, 0.975897431, 0.946042359,
        0.789992213, 0.717910647, 0.453596115, 0.353019387},
       {}},
      {"upsample1d",
       std::make_shared<nn::Upsample>(nn::UpsampleOptions{.scale_factor = std::vector<double>{2.0}}),
       {1, 2, 3},
       {1, 2, 6},
       {1, 1, 0.993956089, 0.993956089, 0.975897431, 0.975897431, 0.946042359, 0.946042359, 0.904751658,
        0.904751658, 0.852524519, 0.852524519},
       {1.69723058, 1.42668152, 1.08735907, 0.695620418, 0.270349294, -0.167954057}},
      {"upsample_size",
       std::make_shared<nn::Upsample>(nn::UpsampleOptions{.size = Shape{3, 5}, .size_is_tuple = true}),
       {1, 1, 2, 3},
       {1, 1, 3, 5},
       {1, 1, 0.993956089, 0.993956089, 0.975897431, 1, 1, 0.993956089, 0.993956089, 0.975897431, 0.946042359,
        0.946042359, 0.904751658, 0.904751658, 0.852524519},
       {2.59414101, 1.91260326, 0.670496464, -0.167954057, -0.598161161, -0.452176154}},
      {"upsample_fraction",
       std::make_shared<nn::Upsample>(nn::UpsampleOptions{.scale_factor = std::vector<double>{1.5}}),
       {1, 1, 4, 4},
       {1, 1, 6, 6},
       {1,           1,           0.993956089, 0.975897431,  0.975897431,  0.946042359,
        1,           1,           0.993956089, 0.975897431,  0.975897431,  0.946042359,
        0.904751658, 0.904751658, 0.852524519, 0.789992213,  0.789992213,  0.717910647,
        0.637151122, 0.637151122, 0.548689842, 0.453596115,  0.453596115,  0.353019387,
        0.637151122, 0.637151122, 0.548689842, 0.453596115,  0.453596115,  0.353019387,
        0.248175457, 0.248175457, 0.140331611, 0.0307914596, 0.0307914596, -0.0791208893},
       {2.39285088, 0.941446543, 1.31617272, 0.358816504, -0.598161161, -0.452176154, -1.18328047,
        -0.716801047, -3.63483429, -1.88031602, -3.77305984, -1.8471359, -1.50998616, -0.638377845,
        -1.00503564, -0.354509056}},
      {"lrn3d",
       std::make_shared<nn::LocalResponseNorm>(
           nn::LocalResponseNormOptions{.size = 3, .alpha = 0.5, .beta = 0.75, .k = 1.5}),
       {2, 5, 3},
       {2, 5, 3},
       {0.639282942,  0.639316797,  0.633307099,  0.580043495,   0.561956584,  0.537978053,
        0.507646561,  0.470502555,  0.42616567,   0.37443167,    0.315380991,  0.249482438,
        0.177755535,  0.101631552,  0.0224827118, -0.0575864911, -0.135591492, -0.20993565,
        -0.279277474, -0.342248678, -0.398112148, -0.446581483,  -0.487714976, -0.521807432,
        -0.549284935, -0.570616126, -0.586243927, -0.636715531,  -0.640030205, -0.637418091},
       {0.432807982,  0.411259592,  0.387269795,  0.265899479,  0.242841527,   0.216018349,
        0.190557063,  0.149427086,  0.0997054577, 0.041019462,  -0.0260230657, -0.099718377,
        -0.176033616, -0.25357154,  -0.329941988, -0.395255774, -0.44748655,   -0.487721562,
        -0.51382041,  -0.525300562, -0.524217606, -0.512923539, -0.494196713,  -0.470765144,
        -0.434605926, -0.408914477, -0.384558201, -0.456203461, -0.426236987,  -0.395976543}},
      {"lrn4d",
       std::make_shared<nn::LocalResponseNorm>(nn::LocalResponseNormOptions{.size = 2}),
       {1, 4, 2, 2},
       {1, 4, 2, 2},
       {0.999962568, 0.993919373, 0.975862622, 0.946010649, 0.904689968, 0.852469742, 0.789945483,
        0.717872679, 0.637121856, 0.548668742, 0.453581989, 0.353010923, 0.248171106, 0.140329927,
        0.0307912212, -0.0791205019},
       {0.87744385, 0.819525361, 0.75170213, 0.674792707, 0.589703441, 0.497509152, 0.399298042, 0.296256363,
        0.189629272, 0.0807055533, -0.0291976891, -0.13875106, -0.246626854, -0.351524085, -0.452172577,
        -0.547354758}},
      {"linear",
       std::make_shared<nn::Upsample>(
           nn::UpsampleOptions{.scale_factor = std::vector<double>{2.0}, .mode = "linear"}),
       {1, 2, 3},
       {1, 2, 6},
       {1, 0.998489022, 0.995467067, 0.989441395, 0.980412126, 0.975897431, 0.946042359, 0.935719669,
        0.915074289, 0.891694903, 0.865581274, 0.852524519},
       {1.68027008, 1.42237008, 1.10863101, 0.668960392, 0.269532323, -0.140477061}},
      {"bilinear_align",
       std::make_shared<nn::Upsample>(nn::UpsampleOptions{.class_name = "UpsamplingBilinear2d",
                                                          .size = Shape{3, 5},
                                                          .size_is_tuple = true,
                                                          .mode = "bilinear",
                                                          .align_corners = true}),
       {1, 1, 2, 3},
       {1, 1, 3, 5},
       {1, 0.996978045, 0.993956089, 0.98492676, 0.975897431, 0.97302115, 0.961187541, 0.949353874,
        0.931782424, 0.914210975, 0.946042359, 0.925397038, 0.904751658, 0.878638089, 0.852524519},
       {1.63602698, 1.79445314, 1.01499033, 0.250043631, -0.196388468, -0.540176153}},
      {"bilinear_fraction",
       std::make_shared<nn::Upsample>(
           nn::UpsampleOptions{.scale_factor = std::vector<double>{1.5}, .mode = "bilinear"}),
       {1, 1, 3, 3},
       {1, 1, 4, 4},
       {1, 0.996978045, 0.990946293, 0.978907228, 0.97302115, 0.961187541, 0.943496704, 0.920068145,
        0.920033991, 0.896822691, 0.864114285, 0.826125979, 0.816000581, 0.782525659, 0.736383438,
        0.685714066},
       {1.70669329, 1.46428216, 0.844426095, 0.540549874, 0.202253222, -0.0322664604, -0.313664764,
        -0.53768754, -0.462994397}},
      {"trilinear",
       std::make_shared<nn::Upsample>(
           nn::UpsampleOptions{.size = Shape{3, 2, 3}, .size_is_tuple = true, .mode = "trilinear"}),
       {1, 1, 2, 2, 2},
       {1, 1, 3, 2, 3},
       {1, 0.996978045, 0.993956089, 0.975897431, 0.960969925, 0.946042359, 0.952375829, 0.937808037,
        0.923240304, 0.882944822, 0.857460678, 0.831976473, 0.904751658, 0.878638089, 0.852524459,
        0.789992213, 0.75395143, 0.717910588},
       {1.5611465, 1.33052039, 1.00282407, 0.715787888, -0.148656726, -0.45904991, -0.832264721,
        -1.11143959}},
  };
  for (const Case& c : cases) {
    const Trace trace = run_forward(*c.module, {inp(c.input, 0.0)});
    const Tensor y = trace.outputs().at(0);
    ASSERT_EQ(y.sizes(), c.output) << c.name;
    const std::vector<double> values = y.to_doubles();
    for (std::size_t i = 0; i < c.y.size(); ++i) EXPECT_NEAR(values[i], c.y[i], 5e-7) << c.name << " y " << i;
    const Gradients grads = run_backward(trace, {inp(c.output, 0.5)});
    const std::vector<double> dx = grads.inputs.at(0).to_doubles();
    for (std::size_t i = 0; i < c.dx.size(); ++i) EXPECT_NEAR(dx[i], c.dx[i], 2e-6) << c.name << " dx " << i;
  }
}

// Every module's input gradient against central differences, channel_shuffle included.
TEST(RearrangeKernels, GradientsMatchCentralDifferences) {
  TorchGenerator generator(5);
  for (const nn::ModulePtr& module :
       {std::static_pointer_cast<nn::Module>(std::make_shared<nn::Shuffle>(
            nn::ShuffleOptions{.kind = nn::ShuffleKind::channel_shuffle, .factor = 2})),
        std::static_pointer_cast<nn::Module>(std::make_shared<nn::LocalResponseNorm>(
            nn::LocalResponseNormOptions{.size = 4, .alpha = 0.3, .beta = 1.2, .k = 0.7})),
        std::static_pointer_cast<nn::Module>(std::make_shared<nn::Upsample>(
            nn::UpsampleOptions{.scale_factor = std::vector<double>{1.7}, .mode = "linear"})),
        std::static_pointer_cast<nn::Module>(std::make_shared<nn::Pad>(
            nn::PadOptions{.mode = nn::PadMode::reflect, .dims = 1, .padding = {2, 1}}))}) {
    testing::expect_gradients_match(*module, {testing::randn({2, 4, 3}, generator)}, generator);
  }
}

// Errors in PyTorch 1.13's words (F.pad, pixel_shuffle, F.interpolate, F.local_response_norm).
TEST(RearrangeKernels, BadInputsSayWhatIsWrong) {
  const auto message = [](nn::Module& module, Shape input) {
    try {
      run_forward(module, {inp(std::move(input), 0.0)});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  nn::Pad reflect({.mode = nn::PadMode::reflect, .dims = 2, .padding = {3, 0, 0, 0}});
  EXPECT_NE(message(reflect, {1, 2, 3})
                .find("Argument #4: Padding size should be less than the corresponding input "
                      "dimension, but got: padding (3, 0) at dimension 2 of input [1, 2, 3]"),
            std::string::npos);
  nn::Pad crop({.mode = nn::PadMode::constant, .dims = 1, .padding = {-2, -1}});
  EXPECT_NE(message(crop, {1, 3})
                .find("The input size 3, plus negative padding -2 and -1 resulted in a negative "
                      "output size, which is invalid. Check dimension 1 of your input."),
            std::string::npos);
  nn::Shuffle shuffle({.kind = nn::ShuffleKind::pixel_shuffle, .factor = 2});
  EXPECT_NE(message(shuffle, {1, 3, 2, 2}).find("input.size(-3)=3 is not divisible by 4"), std::string::npos);
  nn::Shuffle unshuffle({.kind = nn::ShuffleKind::pixel_unshuffle, .factor = 2});
  EXPECT_NE(message(unshuffle, {1, 1, 3, 2})
                .find("pixel_unshuffle expects height to be divisible by downscale_factor, "
                      "but input.size(-2)=3 is not divisible by 2"),
            std::string::npos);
  nn::Shuffle channels({.kind = nn::ShuffleKind::channel_shuffle, .factor = 4});
  EXPECT_NE(message(channels, {1, 6, 2})
                .find("Number of channels must be divisible by groups. Got 6 channels and 4 groups."),
            std::string::npos);
  nn::Upsample bicubic({.size = Shape{4, 4}, .mode = "bicubic"});
  EXPECT_NE(message(bicubic, {1, 1, 2, 2})
                .find("nninit runs Upsample with mode='nearest', 'linear', 'bilinear' or "
                      "'trilinear'; mode='bicubic' is built (for initialisation) but cannot run"),
            std::string::npos);
  nn::Upsample bilinear({.size = Shape{4, 4}, .mode = "bilinear"});
  EXPECT_NE(message(bilinear, {1, 2, 2}).find("Got 3D input, but bilinear mode needs 4D input"),
            std::string::npos);
  nn::Pad huge(
      {.mode = nn::PadMode::constant, .dims = 1, .padding = {std::int64_t{1} << 62, std::int64_t{1} << 62}});
  EXPECT_NE(message(huge, {1, 3})
                .find("padding: the calculated output size is out of the range of a 64-bit integer"),
            std::string::npos);
  nn::Shuffle wide({.kind = nn::ShuffleKind::pixel_shuffle, .factor = std::int64_t{1} << 32});
  EXPECT_NE(message(wide, {1, 1, 1, 1}).find("pixel_shuffle: the calculated output size is out of the range"),
            std::string::npos);
  nn::Upsample far({.scale_factor = std::vector<double>{1e30}});
  EXPECT_NE(message(far, {1, 1, 2}).find("upsample: the calculated output size is out of the range"),
            std::string::npos);
  nn::LocalResponseNorm empty_window({.size = 0});
  EXPECT_NE(
      message(empty_window, {1, 2, 3}).find("kernel size should be greater than zero, but got kH: 0 kW: 1"),
      std::string::npos);
  nn::LocalResponseNorm norm({.size = 2});
  EXPECT_NE(message(norm, {2, 3}).find("Expected 3D or higher dimensionality input (got 2 dimensions)"),
            std::string::npos);
}

}  // namespace
}  // namespace nninit::engine
