#!/bin/sh
# Called by the "boas-vindas" route: argv is exactly [email, first name]; USER_ID comes from env.
# Payload values arrive as whole arguments, never as shell text, so quoting them is safe.
set -eu
email="$1"
first_name="$2"
echo "bem-vindo(a), ${first_name} <${email}> (user ${USER_ID:-?}, delivery ${HOOKROUTE_DELIVERY:-?})"
