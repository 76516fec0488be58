using System.Threading.Channels;

namespace ReverseCrypt.Operations;

/// <summary>
/// A fixed set of worker threads consuming items from a bounded queue: the producer (the tree walker) blocks when
/// the workers fall behind, which bounds memory and open descriptors. The first exception thrown by a handler is
/// kept and rethrown by <see cref="Complete"/> (a handler should report expected errors itself).
/// </summary>
public sealed class WorkerPool<T> : IDisposable
{
    private readonly Channel<T> _channel;
    private readonly Thread[] _threads;
    private readonly Action<T, int> _handler;
    private Exception? _failure;

    /// <param name="workers">Number of threads (1..64).</param>
    /// <param name="capacity">Queue length before <see cref="Add"/> blocks.</param>
    /// <param name="handler">Called with the item and the worker index (for per-worker buffers).</param>
    /// <param name="name">Thread name prefix.</param>
    public WorkerPool(int workers, int capacity, Action<T, int> handler, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workers, 64);
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _threads = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            int index = i;
            _threads[i] = new Thread(() => Work(index)) { IsBackground = true, Name = $"{name}-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>Queues an item, waiting while the queue is full. False after a handler failed.</summary>
    public bool Add(T item)
    {
        if (Volatile.Read(ref _failure) is not null)
        {
            return false;
        }
        while (!_channel.Writer.TryWrite(item))
        {
            var wait = _channel.Writer.WaitToWriteAsync().AsTask();
            if (!wait.GetAwaiter().GetResult())
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>No more items: waits until every queued item has been handled; rethrows a handler's exception.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("A worker failed: " + failure.Message, failure);
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
    }

    private void Work(int index)
    {
        var reader = _channel.Reader;
        while (true)
        {
            T item;
            while (!reader.TryRead(out item!))
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
            if (Volatile.Read(ref _failure) is not null)
            {
                continue; // drain without work after a failure
            }
            try
            {
                _handler(item, index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                _channel.Writer.TryComplete();
            }
        }
    }
}
