// Package query answers the chain's query paths from state alone. The node
// runs it over a saved version (app.Query); a client runs the very same code
// over the keys a node proved (client.VerifyAnswer), which is how an answer
// is checked without trusting the node that gave it.
package query
