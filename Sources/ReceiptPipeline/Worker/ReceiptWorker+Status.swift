import Logging
import ReceiptKafka

extension ReceiptWorker {
    /// Refreshes the status the HTTP server reports (the machine asks about once a second).
    func reportStatus() {
        let now = ContinuousClock.now
        var lag: [Int32: Int64] = [:]
        for (partition, next) in machine.positions {
            if let high = consumer.highWatermark(partition) { lag[partition.partition] = max(0, high - next) }
        }
        status.update {
            $0.lastLoop = now
            $0.lag = lag
        }
        checkRedis()
    }

    /// Redis answered a round trip whole: ready, and what it acknowledged is what the
    /// query API requires of it from now on (`RedisAcknowledgement`). Called before
    /// anything the round trip decided is announced.
    func reportRedisWhole(mayEvict: Bool? = nil) {
        let acknowledgement = store.acknowledgement
        status.update {
            $0.redisReady = true
            $0.redisAcknowledgement = acknowledgement
            if let mayEvict { $0.redisMayEvict = mayEvict }
        }
    }

    /// Runs the writer check once a second, so a Redis that lost or rolled back its
    /// data is rebuilt (the machine's next action) even while no events arrive.
    private func checkRedis() {
        do {
            let checkedAll: Bool
            do {
                checkedAll = try store.checkWriter()
            } catch let lost as RedisStateLost {
                noteStateLost(lost)
                status.update { $0.redisReady = false }
                return machine.redisLost()
            }
            if checkedAll { machine.redisConfirmed() }
            let mayEvict = store.evictionProblem != nil && !configuration.allowEvictingRedis
            if mayEvict, !status.snapshot.redisMayEvict, let problem = store.evictionProblem {
                logger.error("\(RedisMayEvict(reason: problem)); not ready until it is fixed")
            }
            reportRedisWhole(mayEvict: mayEvict)
        } catch {
            metrics.redisErrors.increment()
            status.update { $0.redisReady = false }
            logger.warning("Redis check failed", metadata: ["error": "\(error)"])
        }
    }
}
