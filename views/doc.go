// Package views holds the JSON shapes WorkComm sends: the REST answers and the
// data of the socket frames, one type per object of the contract (a user, a
// message, a group, a payment, …), each built from models plus what it needs
// to be shown (who is online, the clock), never from a service or a socket.
//
// The services build them, so that REST and the sockets show an object the
// same way: a message pushed as message.new is the message GET …/messages
// answers. Request bodies are not here: they belong to their controller.
package views
