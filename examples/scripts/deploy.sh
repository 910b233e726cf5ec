#!/bin/sh
# Called by the "deploy" route with the repository and the commit to deploy.
# A real one would fetch and restart a service; this one only says what it would do.
set -eu
echo "deploying $1 at $2"
