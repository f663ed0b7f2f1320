// gothreads: goroutines spread over OS threads share a map, a counter and channels.
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

func main() {
	runtime.GOMAXPROCS(4)
	const workers = 8
	const perWorker = 2000
	var mu sync.Mutex
	counts := map[int]int{}
	var total int64
	results := make(chan [32]byte, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			h := sha256.New()
			buf := make([]byte, 0, 64)
			for i := 0; i < perWorker; i++ {
				key := (id*7919 + i*104729) % 509
				mu.Lock()
				counts[key]++
				mu.Unlock()
				atomic.AddInt64(&total, int64(key))
				buf = buf[:0]
				buf = append(buf, byte(key), byte(key>>8), byte(i))
				h.Write(buf)
			}
			var sum [32]byte
			copy(sum[:], h.Sum(nil))
			results <- sum
		}(w)
	}
	wg.Wait()
	close(results)
	var sums []string
	for s := range results {
		sums = append(sums, fmt.Sprintf("%x", s[:8]))
	}
	sort.Strings(sums)
	keys := 0
	for _, c := range counts {
		if c > 0 {
			keys++
		}
	}
	fmt.Printf("gothreads: %d goroutines, %d distinct keys, total %d\n", workers, keys, atomic.LoadInt64(&total))
	for _, s := range sums {
		fmt.Println(s)
	}
	if keys != 509 {
		fmt.Println("gothreads: FAILED")
		os.Exit(1)
	}
	fmt.Println("gothreads: ok")
}
