using System.Numerics;

namespace ReverseCrypt.Interop;

/// <summary>
/// The one EINTR loop of the interop layer. A call is passed as a static lambda over its arguments (no closure, so no
/// allocation: the delegate is cached once); it is repeated while it fails with EINTR. A negative result is a failure,
/// read from <see cref="LastErrno"/> right after the call, as every import here sets SetLastError.
/// </summary>
public static partial class Libc
{
    /// <summary>Calls <paramref name="call"/>(<paramref name="a"/>) until it does not fail with EINTR. Returns its
    /// result; <paramref name="errno"/> is OK on success, else the failure's errno.</summary>
    internal static TResult RetryOnEintr<T1, TResult>(T1 a, Func<T1, TResult> call, out Errno errno)
        where T1 : allows ref struct
        where TResult : IBinaryInteger<TResult>
    {
        TResult result;
        do
        {
            result = call(a);
        }
        while (Interrupted(result, out errno));
        return result;
    }

    /// <inheritdoc cref="RetryOnEintr{T1, TResult}(T1, Func{T1, TResult}, out Errno)"/>
    internal static TResult RetryOnEintr<T1, T2, TResult>(T1 a, T2 b, Func<T1, T2, TResult> call, out Errno errno)
        where T1 : allows ref struct
        where T2 : allows ref struct
        where TResult : IBinaryInteger<TResult>
    {
        TResult result;
        do
        {
            result = call(a, b);
        }
        while (Interrupted(result, out errno));
        return result;
    }

    /// <inheritdoc cref="RetryOnEintr{T1, TResult}(T1, Func{T1, TResult}, out Errno)"/>
    internal static TResult RetryOnEintr<T1, T2, T3, TResult>(T1 a, T2 b, T3 c, Func<T1, T2, T3, TResult> call,
        out Errno errno)
        where T1 : allows ref struct
        where T2 : allows ref struct
        where T3 : allows ref struct
        where TResult : IBinaryInteger<TResult>
    {
        TResult result;
        do
        {
            result = call(a, b, c);
        }
        while (Interrupted(result, out errno));
        return result;
    }

    /// <inheritdoc cref="RetryOnEintr{T1, TResult}(T1, Func{T1, TResult}, out Errno)"/>
    internal static TResult RetryOnEintr<T1, T2, T3, T4, TResult>(T1 a, T2 b, T3 c, T4 d,
        Func<T1, T2, T3, T4, TResult> call, out Errno errno)
        where T1 : allows ref struct
        where T2 : allows ref struct
        where T3 : allows ref struct
        where T4 : allows ref struct
        where TResult : IBinaryInteger<TResult>
    {
        TResult result;
        do
        {
            result = call(a, b, c, d);
        }
        while (Interrupted(result, out errno));
        return result;
    }

    /// <summary>The errno of a call's result (OK when not negative); true when the call should be repeated (EINTR).</summary>
    private static bool Interrupted<TResult>(TResult result, out Errno errno) where TResult : IBinaryInteger<TResult>
    {
        errno = TResult.IsNegative(result) ? LastErrno : Errno.OK;
        return errno == Errno.EINTR;
    }
}
