import XCTest
import NeuralEngine

/// Every op's backward against finite differences, on tiny shapes.
final class LayerGradientTests: XCTestCase {
    func testConv3dGradients() throws {
        var rng = RandomSource(seed: 11)
        for (cin, cout, k, s, p, bias) in [(3, 5, 3, 1, 1, false), (4, 9, 3, 2, 1, false), (2, 3, 1, 2, 0, false), (5, 4, 3, 2, 1, true),
                                            (10, 3, 1, 1, 0, true)] {
            let conv = Conv3d(cin, cout, kernel: k, stride: s, padding: p, bias: bias, rng: &rng)
            let x = rng.tensor([1, cin, 4, 3, 4])
            try assertGradients("conv \(cin)->\(cout) k\(k) s\(s)", inputs: [x], params: [conv.weight] + (conv.bias.map { [$0] } ?? []),
                                forward: { try conv.forward(FeatureMap($0[0]), training: true).tensor() },
                                backward: { [try conv.backward(FeatureMap($0))!.tensor()] })
        }
    }

    func testConvTranspose3dGradients() throws {
        var rng = RandomSource(seed: 12)
        let up = ConvTranspose3d(5, 3, rng: &rng)
        let x = rng.tensor([1, 5, 2, 3, 2])
        try assertGradients("convtranspose", inputs: [x], params: [up.weight, up.bias!],
                            forward: { try up.forward(FeatureMap($0[0]), training: true).tensor() },
                            backward: { [try up.backward(FeatureMap($0)).tensor()] })
    }

    func testBatchNormTrainingGradients() throws {
        var rng = RandomSource(seed: 13)
        let bn = BatchNorm3d(10)
        bn.weight.value = rng.tensor([10], scale: 2)
        bn.bias.value = rng.tensor([10])
        let x = rng.tensor([2, 10, 3, 2, 3], scale: 3)
        try assertGradients("batchnorm", inputs: [x], params: [bn.weight, bn.bias],
                            forward: { try bn.forward(FeatureMap($0[0]), training: true).tensor() },
                            backward: { [try bn.backward(FeatureMap($0)).tensor()] })
    }

    /// Normalisation with the fused ReLU, and the fused residual sum + activation.
    func testFusedNormReLUAndSumGradients() throws {
        var rng = RandomSource(seed: 20)
        let bn = BatchNorm3d(9)
        bn.weight.value = rng.tensor([9], scale: 2)
        bn.bias.value = rng.tensor([9])
        let x = rng.tensor([2, 9, 3, 2, 3], scale: 3)
        try assertGradients("batchnorm+relu", inputs: [x], params: [bn.weight, bn.bias],
                            forward: { try bn.forward(FeatureMap($0[0]), training: true, relu: true).tensor() },
                            backward: { [try bn.backward(FeatureMap($0)).tensor()] })
        let fused = try bn.forward(FeatureMap(x), training: false, relu: true).tensor()
        let plain = try bn.forward(FeatureMap(x), training: false).tensor()
        XCTAssertEqual(fused.data, plain.data.map { max(0, $0) })
        let gn = GroupNorm3d(groups: 2, channels: 6)
        // |gamma| >= 0.5 and a non-zero shift keep outputs off the ReLU kink at the FD step size.
        gn.weight!.value = Tensor(shape: [6], data: (0..<6).map { i in (i % 2 == 0 ? 1 : -1) * rng.uniform(0.5, 2) })
        gn.bias!.value = rng.tensor([6])
        try assertGradients("groupnorm+relu", inputs: [rng.tensor([1, 6, 3, 3, 2], scale: 2)], params: [gn.weight!, gn.bias!],
                            forward: { try gn.forward(FeatureMap($0[0]), training: true, relu: true).tensor() },
                            backward: { [try gn.backward(FeatureMap($0)).tensor()] })
        let act = Activation(.relu)
        let a = rng.tensor([1, 10, 2, 3, 2]), b = rng.tensor([1, 10, 2, 3, 2])
        let y = try act.forwardSum(FeatureMap(a), FeatureMap(b), training: true).tensor()
        for i in 0..<a.count { XCTAssertEqual(y.data[i], max(0, a.data[i] + b.data[i])) }
    }

    func testGroupAndInstanceNormGradients() throws {
        var rng = RandomSource(seed: 14)
        for norm in [GroupNorm3d(groups: 3, channels: 12), GroupNorm3d.instance(5), GroupNorm3d.instance(4, affine: false)] {
            if let w = norm.weight { w.value = rng.tensor(w.shape, scale: 2) }
            if let b = norm.bias { b.value = rng.tensor(b.shape) }
            let x = rng.tensor([2, norm.channels, 3, 3, 2], scale: 2)
            try assertGradients("groupnorm \(norm.groups)/\(norm.channels)", inputs: [x],
                                params: [norm.weight, norm.bias].compactMap { $0 },
                                forward: { try norm.forward(FeatureMap($0[0]), training: true).tensor() },
                                backward: { [try norm.backward(FeatureMap($0)).tensor()] })
        }
    }

    func testActivationGradients() throws {
        var rng = RandomSource(seed: 15)
        // Inputs are kept 0.05 away from the kink at 0, where the derivative does not exist.
        func awayFromZero(_ t: Tensor) -> Tensor {
            Tensor(shape: t.shape, data: t.data.map { abs($0) < 0.05 ? ($0 < 0 ? $0 - 0.05 : $0 + 0.05) : $0 })
        }
        for kind in [ActivationKind.relu, .leakyReLU(slope: 0.1), .sigmoid] {
            let act = Activation(kind)
            let x = awayFromZero(rng.tensor([1, 11, 2, 3, 2], scale: 2))
            try assertGradients("\(kind) map", inputs: [x],
                                forward: { try act.forward(FeatureMap($0[0]), training: true).tensor() },
                                backward: { [try act.backward(FeatureMap($0)).tensor()] })
            let v = awayFromZero(rng.tensor([3, 7], scale: 2))
            try assertGradients("\(kind) tensor", inputs: [v],
                                forward: { act.forward($0[0], training: true) },
                                backward: { [try act.backward($0)] })
        }
        for count in [1, 9] {
            let prelu = PReLU(parameters: count)
            prelu.weight.value = rng.tensor([count])
            let x = awayFromZero(rng.tensor([2, 9, 2, 2, 3], scale: 2))
            try assertGradients("prelu \(count)", inputs: [x], params: [prelu.weight],
                                forward: { try prelu.forward(FeatureMap($0[0]), training: true).tensor() },
                                backward: { [try prelu.backward(FeatureMap($0)).tensor()] })
        }
    }

    func testSoftmaxGradient() throws {
        var rng = RandomSource(seed: 16)
        let sm = Softmax()
        let x = rng.tensor([2, 5, 3, 2, 2], scale: 3)
        try assertGradients("softmax", inputs: [x], forward: { sm.forward($0[0], training: true) },
                            backward: { [try sm.backward($0)] })
    }

    func testDropoutPoolScaleLinearGradients() throws {
        var rng = RandomSource(seed: 17)
        let drop = Dropout3d(p: 0.2)
        let mask = Tensor(shape: [2, 9], data: (0..<18).map { $0 % 3 == 0 ? 0 : 1.25 })
        let x = rng.tensor([2, 9, 2, 3, 2])
        try assertGradients("dropout", inputs: [x],
                            forward: { drop.nextMask = mask; return try drop.forward(FeatureMap($0[0]), training: true).tensor() },
                            backward: { [try drop.backward(FeatureMap($0)).tensor()] })
        let y = try { drop.nextMask = mask; return try drop.forward(FeatureMap(x), training: true).tensor() }()
        for i in 0..<x.count {
            let nc = i / 12
            XCTAssertEqual(y.data[i], x.data[i] * mask.data[nc], accuracy: 1e-6)
        }
        XCTAssertEqual(try drop.forward(FeatureMap(x), training: false).tensor(), x, "dropout is the identity in eval")

        let pool = GlobalAvgPool()
        try assertGradients("avgpool", inputs: [rng.tensor([2, 10, 3, 2, 2])],
                            forward: { pool.forward(try FeatureMap($0[0]), training: true) },
                            backward: { [try pool.backward($0).tensor()] })

        let scale = ChannelScale()
        try assertGradients("channel scale", inputs: [rng.tensor([2, 6, 2, 2, 3]), rng.tensor([2, 6])],
                            forward: { try scale.forward(FeatureMap($0[0]), scale: $0[1], training: true).tensor() },
                            backward: { let (dx, ds) = try scale.backward(FeatureMap($0)); return [dx.tensor(), ds!] })

        let fc = Linear(6, 4, rng: &rng)
        try assertGradients("linear", inputs: [rng.tensor([3, 6])], params: [fc.weight, fc.bias!],
                            forward: { try fc.forward($0[0], training: true) }, backward: { [try fc.backward($0)] })
    }

    func testAddConcatSplit() throws {
        var rng = RandomSource(seed: 18)
        for (ca, cb) in [(4, 4), (8, 3), (5, 11), (16, 8)] {
            let a = rng.tensor([2, ca, 2, 3, 2]), b = rng.tensor([2, cb, 2, 3, 2])
            let cat = try concat(FeatureMap(a), FeatureMap(b))
            let t = cat.tensor()
            for n in 0..<2 {
                for c in 0..<(ca + cb) {
                    for s in 0..<12 {
                        let expected = c < ca ? a.data[(n * ca + c) * 12 + s] : b.data[(n * cb + c - ca) * 12 + s]
                        XCTAssertEqual(t.data[(n * (ca + cb) + c) * 12 + s], expected)
                    }
                }
            }
            assertPaddingZero(cat)
            let (sa, sb) = try splitChannels(cat, at: ca)
            XCTAssertEqual(sa.tensor(), a)
            XCTAssertEqual(sb.tensor(), b)
            assertPaddingZero(sa); assertPaddingZero(sb)
        }
        let a = rng.tensor([1, 5, 2, 2, 2]), b = rng.tensor([1, 5, 2, 2, 2])
        let s = try add(FeatureMap(a), FeatureMap(b)).tensor()
        for i in 0..<a.count { XCTAssertEqual(s.data[i], a.data[i] + b.data[i]) }
    }

    func testBatchNormStatisticsAndRunningUpdate() throws {
        var rng = RandomSource(seed: 19)
        let bn = BatchNorm3d(3)
        bn.runningMean.value = Tensor(shape: [3], data: [0.5, -1, 2])
        bn.runningVar.value = Tensor(shape: [3], data: [2, 0.5, 1])
        let x = rng.tensor([2, 3, 2, 2, 2], scale: 3)
        let y = try bn.forward(FeatureMap(x), training: true).tensor()
        for c in 0..<3 {
            var vals: [Double] = []
            for n in 0..<2 { for s in 0..<8 { vals.append(Double(x.data[(n * 3 + c) * 8 + s])) } }
            let m = vals.reduce(0, +) / 16
            let v = vals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 16
            for n in 0..<2 { for s in 0..<8 {
                let expected = (Double(x.data[(n * 3 + c) * 8 + s]) - m) / (v + 1e-5).squareRoot()
                XCTAssertEqual(Double(y.data[(n * 3 + c) * 8 + s]), expected, accuracy: 1e-5)
            } }
            let oldMean: [Double] = [0.5, -1, 2], oldVar: [Double] = [2, 0.5, 1]
            XCTAssertEqual(Double(bn.runningMean.value.data[c]), 0.9 * oldMean[c] + 0.1 * m, accuracy: 1e-6)
            XCTAssertEqual(Double(bn.runningVar.value.data[c]), 0.9 * oldVar[c] + 0.1 * v * 16 / 15, accuracy: 1e-6)
        }
        XCTAssertEqual(bn.numBatchesTracked.value, 1)
        // Evaluation uses the running statistics.
        let e = try bn.forward(FeatureMap(x), training: false).tensor()
        let rm = bn.runningMean.value.data[1], rv = bn.runningVar.value.data[1]
        XCTAssertEqual(Double(e.data[8]), (Double(x.data[8]) - Double(rm)) / (Double(rv) + 1e-5).squareRoot(), accuracy: 1e-5)
    }
}

func assertPaddingZero(_ m: FeatureMap, file: StaticString = #filePath, line: UInt = #line) {
    let real = m.realLanes(m.blocks - 1)
    m.withUnsafeData { data in
        for n in 0..<m.n {
            let p = data + m.blockOffset(n, m.blocks - 1)
            for s in 0..<m.spatial { for l in real..<8 where p[s * 8 + l] != 0 {
                XCTFail("padding lane \(l) at voxel \(s) is \(p[s * 8 + l])", file: file, line: line); return
            } }
        }
    }
}
