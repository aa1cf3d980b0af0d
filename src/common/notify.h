/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service manager notifications: systemd's sd_notify datagram protocol,
 * spoken directly (a static binary does not link libsystemd). When
 * $NOTIFY_SOCKET names a unix datagram socket (a path, or "@name" for the
 * abstract namespace), each call sends one datagram of newline-separated
 * VAR=value assignments: "READY=1" once the agent is attached,
 * "STOPPING=1" as it stops. Without $NOTIFY_SOCKET nothing is sent.
 */
#ifndef VIGIL_NOTIFY_H
#define VIGIL_NOTIFY_H

/* Send `state` ("READY=1\nSTATUS=..."). 0 when sent or when no manager
 * listens ($NOTIFY_SOCKET unset); -EINVAL for a socket name that cannot
 * be one; another negative errno from socket() or sendto(). Never blocks. */
int vg_notify(const char *state);

#endif /* VIGIL_NOTIFY_H */
