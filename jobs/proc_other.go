//go:build !unix

package jobs

func processAlive(pid int) bool { return true }
