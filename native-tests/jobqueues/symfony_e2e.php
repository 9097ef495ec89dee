<?php
// Symfony Messenger's Redis transport end to end (Debian php-symfony-redis-messenger, php-redis): the plan of
// lib/plan.js sent through RedisTransport (a stream and a consumer group; every tenth message delayed with a
// DelayStamp, which the transport keeps in a sorted set until due), consumed by two consumers of the group
// with get()/ack()/reject(). Every tenth message (offset one) fails on its first attempt and is retried the
// way Symfony's SendFailedMessageForRetryListener does it: MultiplierRetryStrategy decides, the envelope is
// sent again with a DelayStamp and a RedeliveryStamp, and the failed delivery is rejected. A third consumer
// takes one message and "crashes" (never acks it): the others must claim it from the pending entries list
// after redeliver_timeout (XPENDING, XCLAIM). Prints the same SUMMARY line as the node programs.
//
// Usage: php symfony_e2e.php --port N [--prefix P] [--timeout-ms T]

require_once '/usr/share/php/Symfony/Component/Messenger/Bridge/Redis/autoload.php';

use Symfony\Component\Messenger\Bridge\Redis\Transport\Connection;
use Symfony\Component\Messenger\Bridge\Redis\Transport\RedisTransport;
use Symfony\Component\Messenger\Envelope;
use Symfony\Component\Messenger\Retry\MultiplierRetryStrategy;
use Symfony\Component\Messenger\Stamp\DelayStamp;
use Symfony\Component\Messenger\Stamp\RedeliveryStamp;
use Symfony\Component\Messenger\Transport\Serialization\PhpSerializer;

final class PlanMessage
{
    public function __construct(public string $id, public string $kind) {}
}

$jobs = (int) (getenv('JOBQUEUE_JOBS') ?: 300);
$delayMs = (int) (getenv('JOBQUEUE_DELAY_MS') ?: 1000);
$opts = ['port' => 6379, 'prefix' => '', 'timeout-ms' => 90000];
for ($i = 1; $i + 1 < $argc; $i += 2) {
    $name = substr($argv[$i], 2);
    if (!array_key_exists($name, $opts)) {
        fwrite(STDERR, "unknown argument {$argv[$i]}\n");
        exit(2);
    }
    $opts[$name] = $argv[$i + 1];
}

function nowMs(): float { return microtime(true) * 1000; }

$tally = [];
for ($i = 0; $i < $jobs; $i++) {
    $kind = $i % 10 === 0 ? 'delayed' : ($i % 10 === 1 ? 'failonce' : 'plain');
    $tally['j'.$i] = ['kind' => $kind, 'attempts' => 0, 'successes' => 0, 'notBefore' => 0.0, 'ranAt' => 0.0];
}
$errors = [];
$successes = 0;
$acked = 0;
$claimed = null;

function error(array &$errors, string $e): void
{
    if (count($errors) < 20 && !in_array($e, $errors, true)) {
        $errors[] = $e;
    }
}

function transport(array $opts, string $consumer): RedisTransport
{
    $dsn = sprintf('redis://127.0.0.1:%d/%smessages', $opts['port'], $opts['prefix']);
    $connection = Connection::fromDsn($dsn, [
        'group' => 'e2e', 'consumer' => $consumer, 'delete_after_ack' => true, 'delete_after_reject' => true,
        'redeliver_timeout' => 1, 'claim_interval' => 200,
    ]);
    return new RedisTransport($connection, new PhpSerializer());
}

try {
    $sender = transport($opts, 'sender');
    $retry = new MultiplierRetryStrategy(1, 100, 1);
    foreach ($tally as $id => &$t) {
        $envelope = new Envelope(new PlanMessage($id, $t['kind']));
        if ($t['kind'] === 'delayed') {
            // The transport keeps the due time in whole milliseconds (microtime truncated, in Connection::add and
            // Connection::get), so a message may run up to 1 ms before a fractional send time + delay: compare there.
            $t['notBefore'] = floor(nowMs()) + $delayMs;
            $envelope = $envelope->with(new DelayStamp($delayMs));
        }
        $sender->send($envelope);
    }
    unset($t);

    // The crashed consumer: it takes a message and never acks it.
    $crashed = transport($opts, 'crashed');
    foreach ($crashed->get() as $envelope) {
        $claimed = $envelope->getMessage()->id;
    }
    unset($crashed);

    $consumers = [transport($opts, 'c1'), transport($opts, 'c2')];
    $deadline = nowMs() + (int) $opts['timeout-ms'];
    $lingerUntil = null;
    for ($turn = 0; ; $turn++) {
        $now = nowMs();
        if ($lingerUntil === null && $successes >= $jobs) {
            $lingerUntil = $now + 500;
        }
        if ($now >= $deadline || ($lingerUntil !== null && $now >= $lingerUntil)) {
            break;
        }
        $consumer = $consumers[$turn % 2];
        $got = false;
        foreach ($consumer->get() as $envelope) {
            $got = true;
            $m = $envelope->getMessage();
            if (!isset($tally[$m->id])) {
                error($errors, 'a message nobody sent: '.$m->id);
                $consumer->reject($envelope);
                continue;
            }
            $t = &$tally[$m->id];
            $t['attempts']++;
            if ($t['kind'] === 'failonce' && $t['attempts'] === 1) {
                $failure = new RuntimeException('planned failure of '.$m->id);
                if ($retry->isRetryable($envelope, $failure)) {
                    $retried = $envelope->withoutAll(DelayStamp::class)->with(
                        new DelayStamp($retry->getWaitingTime($envelope, $failure)),
                        new RedeliveryStamp(RedeliveryStamp::getRetryCountFromEnvelope($envelope) + 1));
                    $consumer->send($retried);
                } else {
                    error($errors, 'the retry strategy refused '.$m->id);
                }
                $consumer->reject($envelope);
            } else {
                $t['successes']++;
                $t['ranAt'] = nowMs();
                $successes++;
                $consumer->ack($envelope);
                $acked++;
            }
            unset($t);
        }
        if (!$got) {
            usleep(20000);
        }
    }

    // What is left in Redis: the stream (acked and rejected entries are deleted), the group's pending
    // entries, and the sorted set of delayed messages.
    $redis = new Redis();
    $redis->connect('127.0.0.1', (int) $opts['port']);
    $stream = $opts['prefix'].'messages';
    $pending = $redis->xPending($stream, 'e2e');
    $store = ['acked' => $acked, 'claimed' => $claimed, 'streamLength' => $redis->xLen($stream),
        'pending' => is_array($pending) ? $pending[0] : $pending, 'delayedQueued' => $redis->zCard($stream.'__queue')];
    if ($store['streamLength'] !== 0 || $store['pending'] !== 0 || $store['delayedQueued'] !== 0) {
        error($errors, 'left in Redis: '.json_encode($store));
    }
    if ($claimed === null) {
        error($errors, 'the crashed consumer got no message');
    }
    $summary = ['library' => 'symfony-messenger', 'jobs' => $jobs, 'exactlyOnce' => 0, 'missing' => [], 'duplicates' => [],
        'delayed' => 0, 'delayedEarly' => [], 'failOnce' => 0, 'retried' => 0, 'unexpectedRetries' => [],
        'errors' => $errors, 'store' => $store, 'storeCompleted' => $acked];
    foreach ($tally as $id => $t) {
        if ($t['successes'] === 1) {
            $summary['exactlyOnce']++;
        } elseif ($t['successes'] === 0) {
            $summary['missing'][] = $id;
        } else {
            $summary['duplicates'][] = "$id x{$t['successes']}";
        }
        if ($t['kind'] === 'delayed') {
            $summary['delayed']++;
            if ($t['successes'] > 0 && $t['ranAt'] < $t['notBefore']) {
                $summary['delayedEarly'][] = sprintf('%s ran %d ms early', $id, $t['notBefore'] - $t['ranAt']);
            }
        }
        if ($t['kind'] === 'failonce') {
            $summary['failOnce']++;
            if ($t['attempts'] === 2 && $t['successes'] === 1) {
                $summary['retried']++;
            }
        } elseif ($t['attempts'] > 1) {
            $summary['unexpectedRetries'][] = "$id attempted {$t['attempts']} times";
        }
    }
} catch (Throwable $e) { // the summary carries it; the test shows it
    $summary = ['library' => 'symfony-messenger', 'fatal' => get_class($e).': '.$e->getMessage()];
}
echo "\nSUMMARY ".json_encode($summary)."\n";
