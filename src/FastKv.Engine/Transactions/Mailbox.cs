using System;
using System.Threading;

namespace FastKv.Engine;

/// <summary>A unit of work posted to a shard's mailbox and run on that shard's thread.</summary>
public abstract class ShardMessage
{
    internal ShardMessage? Next;
    /// <summary>Runs on the thread of the shard whose mailbox delivered it.</summary>
    public abstract void Run(Shard shard);
}

/// <summary>Wakes a shard's event loop when a message arrives while it sleeps.</summary>
public abstract class LoopWaker
{
    public abstract void Wake();
}

/// <summary>
/// Lock-free multi-producer, single-consumer queue of <see cref="ShardMessage"/> (intrusive:
/// the message carries its own link, so posting allocates nothing; a message sits in at most one
/// mailbox at a time). Vyukov's algorithm with a stub node. The consumer is the owning shard.
/// Sleep/wake protocol: the consumer announces <see cref="PrepareSleep"/> and re-checks the queue
/// before blocking; a producer that sees the announcement wakes it. Both sides use full fences.
/// </summary>
public sealed class Mailbox
{
    sealed class Stub : ShardMessage { public override void Run(Shard shard) { } }

    readonly Stub stub = new();
    ShardMessage head;
    ShardMessage tail;
    int sleeping;
    public LoopWaker? Waker;

    public Mailbox()
    {
        head = stub;
        tail = stub;
    }

    public void Post(ShardMessage m)
    {
        // The posting shard's AOF records go into the log's queue before the message can cause anything.
        AofLog.BeforePost();
        Enqueue(m);
        if (Volatile.Read(ref sleeping) != 0 && Interlocked.Exchange(ref sleeping, 0) != 0)
            Waker?.Wake();
    }

    void Enqueue(ShardMessage m)
    {
        m.Next = null;
        ShardMessage prev = Interlocked.Exchange(ref tail, m);
        Volatile.Write(ref prev.Next, m);
    }

    /// <summary>Next message or null (also null while a producer is half-way through a push).</summary>
    public ShardMessage? TryTake()
    {
        ShardMessage h = head;
        ShardMessage? next = Volatile.Read(ref h.Next);
        if (h == stub)
        {
            if (next == null) return null;
            head = next;
            h = next;
            next = Volatile.Read(ref h.Next);
        }
        if (next != null)
        {
            head = next;
            return h;
        }
        if (h != Volatile.Read(ref tail)) return null;
        Enqueue(stub);
        next = Volatile.Read(ref h.Next);
        if (next != null)
        {
            head = next;
            return h;
        }
        return null;
    }

    public bool IsEmpty => (deferred == null || deferred.Count == 0) && (head == stub ? Volatile.Read(ref stub.Next) == null : false);

    /// <summary>
    /// Messages the consumer took while it could not run them (a script waiting for another shard's reply runs only
    /// <see cref="Scripting.ScriptCall"/>s meanwhile), run before anything newer. Consumer only.
    /// </summary>
    System.Collections.Generic.Queue<ShardMessage>? deferred;

    /// <summary>Keeps a message taken with <see cref="TryTake"/> for the next <see cref="Drain"/>, ahead of newer ones.</summary>
    public void Defer(ShardMessage m) => (deferred ??= new()).Enqueue(m);

    /// <summary>Consumer: returns false when work arrived and the loop must not block.</summary>
    public bool PrepareSleep()
    {
        Interlocked.Exchange(ref sleeping, 1);
        if (!IsEmpty)
        {
            Volatile.Write(ref sleeping, 0);
            return false;
        }
        return true;
    }

    public void AwakeNow() => Volatile.Write(ref sleeping, 0);

    /// <summary>Runs every queued message; returns how many ran.</summary>
    public int Drain(Shard shard)
    {
        int n = 0;
        ShardMessage? m;
        // Deferred messages are older than any still queued: each round looks there first (running one may defer more).
        while ((m = deferred != null && deferred.Count > 0 ? deferred.Dequeue() : TryTake()) != null)
        {
            RunOne(shard, m);
            n++;
            // A command another shard's client sent (or a transaction's part) is over: its BCAST invalidations go now,
            // before its reply can reach its client and the client's next command can add keys to the same message.
            // A script's call is only part of the script: its keys wait for the end of the loop iteration.
            if (shard.Tracking.BcastKeys.Count > 0 && m is not Scripting.ScriptCall) shard.Server.TrackingPrefixes.Broadcast(shard);
        }
        return n;
    }

    /// <summary>Runs one message taken from this mailbox.</summary>
    public static void RunOne(Shard shard, ShardMessage m)
    {
        try
        {
            m.Run(shard);
        }
        catch (Exception ex)
        {
            // A bug in one message must not take the shard (and every client on it) down.
            Console.Error.WriteLine("error: shard " + shard.Id + " message " + m.GetType().Name + ": " + ex);
        }
    }
}
