// The umbrella header: everything a user of nninit needs, layer by layer (see docs/architecture.md).
#pragma once

#include "nninit/core/dtype.h"
#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/core/warning.h"
#include "nninit/init/extra.h"
#include "nninit/init/fan.h"
#include "nninit/init/init.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"
