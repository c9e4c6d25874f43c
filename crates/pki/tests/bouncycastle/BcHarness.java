// Bouncy Castle as an interoperability peer for podpis's CMS (the test
// crates/pki/tests/cms_bouncycastle.rs compiles and drives this file).
//
//   sign PARAMSET CONTENT OUTDIR attached|detached
//       makes a GOST R 34.10-2012 key on PARAMSET (a Bouncy Castle curve
//       name, e.g. Tc26-Gost-3410-12-256-paramSetA), a self-signed
//       certificate (OUTDIR/cert.der) and a CMS SignedData over CONTENT with
//       Bouncy Castle's default signed attributes (OUTDIR/sig.p7s).
//   verify SIGNATURE [CONTENT]
//       verifies every signer of a CMS SignedData against the certificates it
//       carries; prints "verified N" and exits 0, or prints why and exits 1.
//
// Batch forms, so that a test starts the JVM (about a second) only once:
//
//   sign-all CONTENT OUTDIR PARAMSET...
//       for each PARAMSET: one key, OUTDIR/PARAMSET/cert.der, and the
//       signatures OUTDIR/PARAMSET/attached.p7s and detached.p7s over
//       CONTENT. Prints "PARAMSET<TAB>signed", or "PARAMSET<TAB>refused:
//       REASON" when Bouncy Castle cannot make a key on it. Exits 0 unless
//       signing itself fails.
//   verify-all DIR
//       for each DIR/NAME.p7s (sorted by name), verifies every signer, with
//       DIR/NAME.content as the detached content when that file exists.
//       Prints "NAME<TAB>verified N<TAB>SUBJECT..." (one subject per signer)
//       or "NAME<TAB>failed: REASON". Exits 0.
//
// Bouncy Castle 1.72 cannot read a GOST SubjectPublicKeyInfo whose
// parameters omit digestParamSet (it throws ArrayIndexOutOfBoundsException),
// though the field is OPTIONAL and OpenSSL's GOST engine (and podpis, like
// it) omits it for the TC 26 curves other than 512-bit A and B. When that happens
// the verifiers here add the digestParamSet that goes with the key algorithm,
// verify with the key so completed, and mark the signer's subject with
// " (key parameters completed)", so the caller sees that it happened.
import java.io.File;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Store;

public final class BcHarness {
    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        switch (args[0]) {
            case "sign" -> sign(args[1], new File(args[2]), new File(args[3]), args[4].equals("attached"));
            case "verify" -> System.exit(verify(new File(args[1]), args.length > 2 ? new File(args[2]) : null));
            case "sign-all" -> signAll(new File(args[1]), new File(args[2]), Arrays.copyOfRange(args, 3, args.length));
            case "verify-all" -> verifyAll(new File(args[1]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    /** A key on the curve and its self-signed certificate. */
    record Party(String sigAlg, KeyPair pair, X509Certificate cert) {}

    static KeyPair generate(String curve) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("ECGOST3410-2012", "BC");
        gen.initialize(new ECGenParameterSpec(curve));
        return gen.generateKeyPair();
    }

    static Party party(String curve, KeyPair pair) throws Exception {
        boolean big = curve.contains("-512-");
        String sigAlg = big ? "GOST3411WITHECGOST3410-2012-512" : "GOST3411WITHECGOST3410-2012-256";
        ContentSigner signer = new JcaContentSignerBuilder(sigAlg).setProvider("BC").build(pair.getPrivate());
        X500Name name = new X500Name("CN=Bouncy Castle " + curve + ",O=podpis interop,C=RU");
        long now = System.currentTimeMillis();
        X509CertificateHolder holder = new JcaX509v3CertificateBuilder(
                name, BigInteger.valueOf(now), new Date(now - 3_600_000L), new Date(now + 86_400_000L * 30),
                name, pair.getPublic()).build(signer);
        X509Certificate cert = new JcaX509CertificateConverter().setProvider("BC").getCertificate(holder);
        return new Party(sigAlg, pair, cert);
    }

    static byte[] signature(Party p, byte[] content, boolean attached) throws Exception {
        CMSSignedDataGenerator cms = new CMSSignedDataGenerator();
        ContentSigner cmsSigner = new JcaContentSignerBuilder(p.sigAlg()).setProvider("BC").build(p.pair().getPrivate());
        cms.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build()).build(cmsSigner, p.cert()));
        cms.addCertificates(new JcaCertStore(java.util.List.of(p.cert())));
        CMSSignedData signed = cms.generate(new CMSProcessableByteArray(content), attached);
        return signed.getEncoded("DER");
    }

    static void sign(String curve, File content, File outDir, boolean attached) throws Exception {
        Party p = party(curve, generate(curve));
        Files.write(new File(outDir, "cert.der").toPath(), p.cert().getEncoded());
        Files.write(new File(outDir, "sig.p7s").toPath(), signature(p, Files.readAllBytes(content.toPath()), attached));
    }

    static void signAll(File content, File outDir, String[] curves) throws Exception {
        byte[] data = Files.readAllBytes(content.toPath());
        for (String curve : curves) {
            KeyPair pair;
            try {
                pair = generate(curve);
            } catch (Exception e) {
                System.out.println(curve + "\trefused: " + e);
                continue;
            }
            Party p = party(curve, pair);
            File dir = new File(outDir, curve);
            dir.mkdirs();
            Files.write(new File(dir, "cert.der").toPath(), p.cert().getEncoded());
            Files.write(new File(dir, "attached.p7s").toPath(), signature(p, data, true));
            Files.write(new File(dir, "detached.p7s").toPath(), signature(p, data, false));
            System.out.println(curve + "\tsigned");
        }
    }

    /**
     * Verifies every signer; returns "verified N" and the signers' subjects,
     * tab-separated, or throws with the reason.
     */
    @SuppressWarnings("unchecked")
    static String check(byte[] der, byte[] content) throws Exception {
        CMSSignedData signed = content == null
                ? new CMSSignedData(der)
                : new CMSSignedData(new CMSProcessableByteArray(content), der);
        Store<X509CertificateHolder> certs = signed.getCertificates();
        StringBuilder subjects = new StringBuilder();
        int n = 0;
        for (SignerInformation si : signed.getSignerInfos().getSigners()) {
            Collection<X509CertificateHolder> matches = certs.getMatches(si.getSID());
            if (matches.isEmpty()) {
                throw new IllegalStateException("no certificate for signer " + n);
            }
            X509CertificateHolder cert = matches.iterator().next();
            subjects.append('\t').append(cert.getSubject());
            boolean ok;
            try {
                ok = si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
            } catch (ArrayIndexOutOfBoundsException e) {
                SubjectPublicKeyInfo spki = completed(cert.getSubjectPublicKeyInfo());
                if (spki == null) {
                    throw e;
                }
                KeyFactory keys = KeyFactory.getInstance("ECGOST3410-2012", "BC");
                ok = si.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC")
                        .build(keys.generatePublic(new X509EncodedKeySpec(spki.getEncoded()))));
                subjects.append(" (key parameters completed)");
            }
            if (!ok) {
                throw new IllegalStateException("signer " + n + " does not verify");
            }
            n++;
        }
        if (n == 0) {
            throw new IllegalStateException("no signers");
        }
        return "verified " + n + subjects;
    }

    /**
     * The key info with the digestParamSet of its algorithm added, or null
     * when its parameters are not a lone publicKeyParamSet.
     */
    static SubjectPublicKeyInfo completed(SubjectPublicKeyInfo spki) throws Exception {
        ASN1ObjectIdentifier alg = spki.getAlgorithm().getAlgorithm();
        ASN1Sequence params = ASN1Sequence.getInstance(spki.getAlgorithm().getParameters());
        if (params.size() != 1) {
            return null;
        }
        ASN1ObjectIdentifier digest = switch (alg.getId()) {
            case "1.2.643.7.1.1.1.1" -> new ASN1ObjectIdentifier("1.2.643.7.1.1.2.2");
            case "1.2.643.7.1.1.1.2" -> new ASN1ObjectIdentifier("1.2.643.7.1.1.2.3");
            default -> null;
        };
        if (digest == null) {
            return null;
        }
        AlgorithmIdentifier full = new AlgorithmIdentifier(alg,
                new DERSequence(new ASN1Encodable[] {params.getObjectAt(0), digest}));
        return new SubjectPublicKeyInfo(full, spki.getPublicKeyData().getBytes());
    }

    static int verify(File signature, File content) throws Exception {
        try {
            String result = check(Files.readAllBytes(signature.toPath()),
                    content == null ? null : Files.readAllBytes(content.toPath()));
            System.out.println(result.split("\t")[0]);
            return 0;
        } catch (Exception e) {
            System.out.println(e);
            return 1;
        }
    }

    static void verifyAll(File dir) throws Exception {
        File[] files = dir.listFiles((d, name) -> name.endsWith(".p7s"));
        Arrays.sort(files);
        for (File f : files) {
            String name = f.getName().substring(0, f.getName().length() - ".p7s".length());
            File content = new File(dir, name + ".content");
            String result;
            try {
                result = check(Files.readAllBytes(f.toPath()),
                        content.exists() ? Files.readAllBytes(content.toPath()) : null);
            } catch (Exception e) {
                result = "failed: " + e;
            }
            System.out.println(name + "\t" + result.replace('\n', ' '));
        }
    }
}
