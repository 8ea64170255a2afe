// The same ping-pong in Go, for comparison (run by `make bench` when go is installed).
package main

import (
	"fmt"
	"time"
)

const roundTrips = 20000

func main() {
	best := time.Duration(1 << 62)
	for run := 0; run < 5; run++ {
		ping, pong := make(chan *int), make(chan *int)
		go func() {
			for i := 0; i < roundTrips; i++ {
				pong <- <-ping
			}
		}()
		token := 1
		start := time.Now()
		for i := 0; i < roundTrips; i++ {
			ping <- &token
			<-pong
		}
		if d := time.Since(start); d < best {
			best = d
		}
	}
	fmt.Printf("Go (goroutines, unbuffered) ping-pong: %.2f us/trip\n",
		float64(best.Microseconds())/roundTrips)
}
