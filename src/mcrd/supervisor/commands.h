/* SPDX-License-Identifier: MIT */
/* The supervisor's handlers for control-socket commands (struct control_ops). */
#ifndef MCR_COMMANDS_H
#define MCR_COMMANDS_H

#include <jansson.h>

#include "common/proto.h"
#include "mcrd/supervisor/supervisor.h"

/* ctx is the struct supervisor. */
json_t *commands_handle(void *ctx, const struct proto_request *req, struct proto_error *err);

#endif
