// Package deploy holds the tests of what the production images run: the
// Dockerfiles kept in step with the Makefile, the compose file's shape, and a
// topology of real nginx (with frontend/scripts/nginx.conf), two server nodes,
// PostgreSQL and Redis, restarted node by node under load.
package deploy
