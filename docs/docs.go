// Package docs embeds the OpenAPI document served at /api/v1/openapi.json.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3 document of the REST API.
//
//go:embed openapi.json
var OpenAPI []byte
